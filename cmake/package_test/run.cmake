# The package test (see WardInstall.cmake): installs BUILD_DIR into WORK_DIR/prefix, then
# builds and runs a C++ consumer (find_package) and a C consumer (pkg-config) against it.
#   cmake -DBUILD_DIR=... -DWORK_DIR=... -DSOURCE_DIR=... -DGENERATOR=... -DC_COMPILER=...
#         -DCXX_COMPILER=... [-DFLAGS=...] -P run.cmake

cmake_minimum_required(VERSION 3.20)

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
# Only public headers: include/ward.h (C) and include/ward/*.h, no subfolders.
file(GLOB_RECURSE installed_headers RELATIVE ${prefix}/include ${prefix}/include/*)
foreach(header ${installed_headers})
  if(NOT header STREQUAL "ward.h" AND NOT header MATCHES "^ward/[a-z_]+\\.h$")
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
run(${C_COMPILER} -std=c99 -Wall -Werror ${flags} ${cflags} ${SOURCE_DIR}/c/main.c
    -o ${WORK_DIR}/c_consumer ${libs} -Wl,-rpath,${libdir})
run(${WORK_DIR}/c_consumer)
message(STATUS "C consumer: ${last_output}")
