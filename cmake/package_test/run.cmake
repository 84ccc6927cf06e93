# The package test (see WardInstall.cmake): installs BUILD_DIR into WORK_DIR/prefix, then
# builds and runs a C++ consumer (find_package) and a C consumer (pkg-config) against it, and
# runs a Python and a Node consumer of the installed bindings when the build has them.
#   cmake -DBUILD_DIR=... -DWORK_DIR=... -DSOURCE_DIR=... -DGENERATOR=... -DC_COMPILER=...
#         -DCXX_COMPILER=... [-DFLAGS=...] [-DC_LINK_FLAGS=...: the C consumer's, last]
#         [-DRPATH=OFF: ward.pc has no rpath]
#         [-DPYTHON=python3 -DPYTHON_DIR=lib/python3.11/...]
#         [-DNODE=node -DNODE_DIR=lib/node_modules/ward] -P run.cmake
#
# Nothing from the environment may help the consumers find ward: each must work from what the
# prefix gives it (ward.pc's rpath, the installed package folders) alone.

cmake_minimum_required(VERSION 3.20)

foreach(variable LD_LIBRARY_PATH PYTHONPATH NODE_PATH WARD_NODE_ADDON)
  unset(ENV{${variable}})
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "failed (${result}): ${command}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(installed include/ward.h include/ward/ward.h include/ward/engine.h include/ward/compile.h
                  bin/ward)
  if(NOT EXISTS ${prefix}/${installed})
    message(FATAL_ERROR "not installed: ${installed}")
  endif()
endforeach()
# Only public headers: include/ward.h (C), include/ward/*.h and include/ward/internal/*.h (the
# few implementation headers public ones include; not API), no other folders.
file(GLOB_RECURSE installed_headers RELATIVE ${prefix}/include ${prefix}/include/*)
foreach(header ${installed_headers})
  if(NOT header STREQUAL "ward.h" AND NOT header MATCHES "^ward/(internal/)?[a-z_]+\\.h$")
    message(FATAL_ERROR "not a public header, but installed: include/${header}")
  endif()
endforeach()

# C++, with find_package(ward CONFIG).
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/cpp -B ${WORK_DIR}/cpp -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    "-DCMAKE_CXX_FLAGS=${FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${FLAGS}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cpp)
run(${WORK_DIR}/cpp/consumer)
message(STATUS "C++ consumer: ${last_output}")

# C, with pkg-config.
find_program(PKG_CONFIG pkg-config REQUIRED)
file(GLOB pc_files ${prefix}/lib*/pkgconfig/ward.pc ${prefix}/lib/*/pkgconfig/ward.pc)
list(GET pc_files 0 pc_file)
get_filename_component(pc_dir ${pc_file} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
run(${PKG_CONFIG} --cflags ward)
string(STRIP "${last_output}" cflags)
run(${PKG_CONFIG} --libs ward)
string(STRIP "${last_output}" libs)
run(${PKG_CONFIG} --variable=libdir ward)
string(STRIP "${last_output}" libdir)
separate_arguments(cflags UNIX_COMMAND "${cflags}")
separate_arguments(libs UNIX_COMMAND "${libs}")
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
separate_arguments(c_link_flags UNIX_COMMAND "${C_LINK_FLAGS}")
# Linked with ward.pc's flags alone: its Libs carry the rpath that lets the program start
# without LD_LIBRARY_PATH (unset above), as a user's program linked against a prefix must.
# A build configured without that rpath (WARD_PKGCONFIG_RPATH=OFF) is run as its users would
# run it, with LD_LIBRARY_PATH.
run(${C_COMPILER} -std=c99 -Wall -Werror ${flags} ${cflags} ${SOURCE_DIR}/c/main.c
    -o ${WORK_DIR}/c_consumer ${libs} ${c_link_flags})
if(DEFINED RPATH AND NOT RPATH)
  set(ENV{LD_LIBRARY_PATH} ${libdir})
endif()
run(${WORK_DIR}/c_consumer)
message(STATUS "C consumer: ${last_output}")
# A libward.so the loader finds on its own (an earlier install into /usr/local, say) would let
# the consumer start without the rpath: it must be the prefix's that is loaded.
find_program(LDD ldd)
if(LDD)
  run(${LDD} ${WORK_DIR}/c_consumer)
  get_filename_component(real_libdir ${libdir} REALPATH)
  string(REGEX MATCH "libward\\.so[^ ]* => ([^ ]+)" loaded "${last_output}")
  get_filename_component(loaded_dir "${CMAKE_MATCH_1}" DIRECTORY)
  get_filename_component(loaded_dir "${loaded_dir}" REALPATH)
  if(NOT loaded_dir STREQUAL real_libdir)
    message(FATAL_ERROR "the C consumer loads libward.so from '${loaded_dir}', not from the "
                        "prefix (${real_libdir}): ward.pc's rpath is missing\n${last_output}")
  endif()
endif()
unset(ENV{LD_LIBRARY_PATH})

# The bindings' folders are relative to the prefix unless configured absolute.
function(installed_dir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} ${dir} PARENT_SCOPE)
  else()
    set(${out} ${prefix}/${dir} PARENT_SCOPE)
  endif()
endfunction()

# Python: the installed package, found through PYTHONPATH as a prefix outside sys.path needs.
if(PYTHON)
  installed_dir(python_dir ${PYTHON_DIR})
  set(ENV{PYTHONPATH} ${python_dir})
  set(ENV{PYTHONDONTWRITEBYTECODE} 1)
  run(${PYTHON} ${SOURCE_DIR}/python/consumer.py ${python_dir})
  unset(ENV{PYTHONPATH})
  message(STATUS "Python consumer: ${last_output}")
endif()

# Node: require("ward") through NODE_PATH, the addon from the package's prebuilt/ folder.
if(NODE)
  installed_dir(node_dir ${NODE_DIR})
  get_filename_component(node_modules ${node_dir} DIRECTORY)
  set(ENV{NODE_PATH} ${node_modules})
  run(${NODE} ${SOURCE_DIR}/node/consumer.js ${node_dir})
  unset(ENV{NODE_PATH})
  message(STATUS "Node consumer: ${last_output}")
endif()
