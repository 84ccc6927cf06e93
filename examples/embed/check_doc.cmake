# Checks that docs/embedding.md shows examples/embed/main.cc as it is: the code block that
# follows the line `<!-- examples/embed/main.cc -->` must equal the file. When PROGRAM is
# given, the block that follows `<!-- output of examples/embed/main.cc -->` must equal what
# the program prints when run on examples/agent-runtime from the repository root (ROOT).
#
#   cmake -DDOC=docs/embedding.md -DSOURCE=examples/embed/main.cc
#         [-DPROGRAM=build/examples/embed_example -DROOT=.] -P check_doc.cmake

# Sets `out` to the text of the code block that follows the line `marker_line` in `doc`.
function(block_after doc marker_line out)
  string(FIND "${doc}" "${marker_line}\n```" start)
  if(start EQUAL -1)
    message(FATAL_ERROR "${DOC}: no code block after `${marker_line}`")
  endif()
  string(SUBSTRING "${doc}" ${start} -1 rest)
  string(FIND "${rest}" "\n" first_newline)          # end of the marker line
  math(EXPR skip "${first_newline} + 1")
  string(SUBSTRING "${rest}" ${skip} -1 rest)
  string(FIND "${rest}" "\n" fence_end)              # end of the opening fence
  math(EXPR skip "${fence_end} + 1")
  string(SUBSTRING "${rest}" ${skip} -1 rest)
  string(FIND "${rest}" "\n```" end)
  if(end EQUAL -1)
    message(FATAL_ERROR "${DOC}: the code block after `${marker_line}` is not closed")
  endif()
  math(EXPR end "${end} + 1")
  string(SUBSTRING "${rest}" 0 ${end} text)
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

file(READ "${DOC}" doc)
file(READ "${SOURCE}" source)
block_after("${doc}" "<!-- examples/embed/main.cc -->" shown)
if(NOT shown STREQUAL source)
  message(FATAL_ERROR "${DOC} does not show ${SOURCE} as it is; copy the file into the doc")
endif()

if(DEFINED PROGRAM)
  execute_process(COMMAND "${PROGRAM}" examples/agent-runtime
                  WORKING_DIRECTORY "${ROOT}"
                  OUTPUT_VARIABLE output
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} failed (${result})")
  endif()
  block_after("${doc}" "<!-- output of examples/embed/main.cc -->" shown_output)
  # The policy hash identifies the compiled form, which may change without the decision
  # changing: the doc shows it as `...`.
  string(REGEX REPLACE "\"policy\":\"[0-9a-f]+\"" "\"policy\":\"...\"" output "${output}")
  # So does an approval digest, which covers the policy hash.
  string(REGEX REPLACE "\"digest\":\"[0-9a-f]+\"" "\"digest\":\"...\"" output "${output}")
  if(NOT shown_output STREQUAL output)
    message(FATAL_ERROR "${DOC} does not show the output of ${PROGRAM} as it is:\n${output}")
  endif()
endif()
