# The binding packages as their users install them (see docs/install.md), from this build's
# extension and addon: `pip install ./bindings/python` into a fresh virtualenv and
# `npm pack` + `npm install TARBALL` into a fresh Node project, each followed by a consumer
# that decides a request from outside the source tree.
#   cmake -DSOURCE_DIR=REPO -DWORK_DIR=... -DPYTHON=python3 -DPYTHON_EXTENSION=...so
#         -DNPM=npm -DNODE=node -DNODE_ADDON=...ward.node -P packages.cmake

cmake_minimum_required(VERSION 3.20)

foreach(variable LD_LIBRARY_PATH PYTHONPATH NODE_PATH WARD_NODE_ADDON)
  unset(ENV{${variable}})
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err
                  WORKING_DIRECTORY ${WORK_DIR})
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# pip: offline (--no-build-isolation: setuptools and wheel from Debian), into a virtualenv.
run(${PYTHON} -m venv --system-site-packages ${WORK_DIR}/venv)
set(ENV{WARD_PYTHON_EXTENSION} ${PYTHON_EXTENSION})
set(ENV{WARD_BUILD_DIR} ${WORK_DIR}/pip-build)
set(ENV{PIP_NO_INDEX} 1)
set(ENV{PYTHONDONTWRITEBYTECODE} 1)
run(${WORK_DIR}/venv/bin/python -m pip install --quiet --no-build-isolation --no-deps
    ${SOURCE_DIR}/bindings/python)
file(GLOB installed LIST_DIRECTORIES true ${WORK_DIR}/venv/lib/python3*/site-packages/ward)
if(NOT installed)
  message(FATAL_ERROR "pip installed no ward package into ${WORK_DIR}/venv")
endif()
run(${WORK_DIR}/venv/bin/python ${SOURCE_DIR}/cmake/package_test/python/consumer.py ${installed})
message(STATUS "pip package: ${last_output}")

# npm: the tarball carries the addon (prepack copies it in); installed offline into a project
# that has never seen the repository.
set(ENV{WARD_NODE_ADDON} ${NODE_ADDON})
execute_process(COMMAND ${NPM} pack --silent --pack-destination ${WORK_DIR}
                WORKING_DIRECTORY ${SOURCE_DIR}/bindings/node
                RESULT_VARIABLE result OUTPUT_VARIABLE tarball ERROR_VARIABLE err)
unset(ENV{WARD_NODE_ADDON})
string(STRIP "${tarball}" tarball)
if(NOT result EQUAL 0 OR NOT EXISTS ${WORK_DIR}/${tarball})
  message(FATAL_ERROR "npm pack failed (${result}): ${tarball}\n${err}")
endif()
file(MAKE_DIRECTORY ${WORK_DIR}/app)
file(WRITE ${WORK_DIR}/app/package.json "{\"name\": \"app\", \"private\": true}\n")
execute_process(COMMAND ${NPM} install --offline --no-audit --no-fund --silent
                        ${WORK_DIR}/${tarball}
                WORKING_DIRECTORY ${WORK_DIR}/app RESULT_VARIABLE result ERROR_VARIABLE err)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "npm install ${tarball} failed (${result})\n${err}")
endif()
# The consumer runs from inside the project, where require('ward') looks.
file(COPY ${SOURCE_DIR}/cmake/package_test/node/consumer.js DESTINATION ${WORK_DIR}/app)
execute_process(COMMAND ${NODE} ${WORK_DIR}/app/consumer.js ${WORK_DIR}/app/node_modules/ward
                WORKING_DIRECTORY ${WORK_DIR}/app RESULT_VARIABLE result OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the Node consumer failed (${result})\n${out}\n${err}")
endif()
message(STATUS "npm package: ${out}")
