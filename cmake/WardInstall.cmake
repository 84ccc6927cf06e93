# Installation and packaging: `cmake --install BUILD [--prefix PREFIX]` installs
#
#   include/ward/*.h                                     the C++ API (<ward/ward.h>)
#   include/ward.h                                       the C interface
#   lib/libward_runtime.a, libward_lang.a, libward_bundle_proto.a, libward.so
#   bin/ward                                             the command-line tool
#   lib/cmake/ward/                                      find_package(ward CONFIG): ward::runtime,
#                                                        ward::lang, ward::c
#   lib/pkgconfig/ward.pc                                the C library, for pkg-config
#   lib/python3.X/dist-packages/ward/                    the Python package, when ward_python
#                                                        exists (WARD_INSTALL_PYTHONDIR; see
#                                                        bindings/python/CMakeLists.txt)
#   lib/node_modules/ward/                               the Node package, when ward_node exists
#                                                        (WARD_INSTALL_NODEDIR)
#
# A C++ program links ward::lang (the compiler and the runtime) or ward::runtime (bundles
# only); a C program links ward::c or `pkg-config --cflags --libs ward`. One program must not
# use both (see ward.h). docs/install.md is the user's side of all this.

include(CMakePackageConfigHelpers)

set(WARD_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ward)

set(ward_installed_targets ward_bundle_proto ward_runtime ward_lang)
if(TARGET ward_c)
  list(APPEND ward_installed_targets ward_c)
endif()
install(TARGETS ${ward_installed_targets}
  EXPORT wardTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ward RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Only the public headers (include/ward/): none of them includes an internal one, which the
# package test checks by building a consumer against the installed tree alone.
# redis_ledger.h stays behind: its library (ward_redis, hiredis) is not installed.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ward DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "redis_ledger.h" EXCLUDE)

install(EXPORT wardTargets NAMESPACE ward:: DESTINATION ${WARD_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wardConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/wardConfig.cmake
  INSTALL_DESTINATION ${WARD_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/wardConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/wardConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/wardConfigVersion.cmake
        DESTINATION ${WARD_INSTALL_CMAKEDIR})

# A prefix outside the loader's search path (/opt/ward, $HOME/.local) is the common case for a
# library that is not packaged by the distribution, and there a program linked with ward.pc's
# flags would not start without LD_LIBRARY_PATH; the rpath in Libs makes it start. A package
# for a prefix the loader already searches (/usr), where distributions forbid rpaths, turns it
# off.
option(WARD_PKGCONFIG_RPATH "Put -Wl,-rpath,\${libdir} in ward.pc's Libs" ON)

if(TARGET ward_c)
  # ward.pc names the prefix the install goes to (`cmake --install --prefix` included), so it
  # is written at install time; `cmake --install` makes that prefix absolute. It must be: the
  # rpath, if relative (as ${pcfiledir} is when PKG_CONFIG_PATH is), would be resolved against
  # the working directory of every program linked with it, and load a libward.so from there.
  set(WARD_PC_RPATH "")
  if(WARD_PKGCONFIG_RPATH)
    set(WARD_PC_RPATH "-Wl,-rpath,\${libdir} ")
  endif()
  set(WARD_PC_PREFIX "@WARD_PC_PREFIX@")  # kept for the install-time pass below
  configure_file(${PROJECT_SOURCE_DIR}/cmake/ward.pc.in ${CMAKE_CURRENT_BINARY_DIR}/ward.pc.in
                 @ONLY)
  install(CODE "
    get_filename_component(WARD_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\" ABSOLUTE)
    configure_file(\"${CMAKE_CURRENT_BINARY_DIR}/ward.pc.in\"
                   \"${CMAKE_CURRENT_BINARY_DIR}/ward.pc\" @ONLY)")
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ward.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

# Installs this build into a fresh prefix and builds two programs against it: a C++ one with
# find_package(ward) and a C one with pkg-config, which must start without LD_LIBRARY_PATH.
# Each decides a request and checks it, as do a Python and a Node program using the installed
# bindings.
if(WARD_BUILD_TESTS AND TARGET ward_c)
  set(ward_consumer_flags "")
  if(WARD_SANITIZE)
    # The installed libraries carry sanitizer calls; their consumers need the runtime.
    set(ward_consumer_flags "-fsanitize=address,undefined")
  endif()
  set(ward_consumer_c_link_flags "")
  if(WARD_SANITIZE AND CMAKE_C_COMPILER_ID STREQUAL "Clang")
    # Sanitized by clang, the library calls UBSan's C++ runtime, which clang links into a C
    # program only when asked, and which needs the C++ standard library.
    set(ward_consumer_c_link_flags "-fsanitize-link-c++-runtime -lstdc++")
  endif()
  set(ward_binding_consumers "")
  if(TARGET ward_python)
    get_property(ward_python_exe GLOBAL PROPERTY WARD_PYTHON_EXECUTABLE)
    get_property(ward_python_dir GLOBAL PROPERTY WARD_PYTHON_INSTALL_DIR)
    list(APPEND ward_binding_consumers -DPYTHON=${ward_python_exe} -DPYTHON_DIR=${ward_python_dir})
  endif()
  if(TARGET ward_node)
    list(APPEND ward_binding_consumers -DNODE=${WARD_NODE_EXECUTABLE}
                                       -DNODE_DIR=${WARD_INSTALL_NODEDIR})
  endif()
  add_test(NAME package_install_test
           COMMAND ${CMAKE_COMMAND}
                   -DBUILD_DIR=${CMAKE_BINARY_DIR}
                   -DWORK_DIR=${CMAKE_BINARY_DIR}/package_install_test
                   -DSOURCE_DIR=${PROJECT_SOURCE_DIR}/cmake/package_test
                   -DGENERATOR=${CMAKE_GENERATOR}
                   -DC_COMPILER=${CMAKE_C_COMPILER}
                   -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
                   "-DFLAGS=${ward_consumer_flags}"
                   "-DC_LINK_FLAGS=${ward_consumer_c_link_flags}"
                   -DRPATH=${WARD_PKGCONFIG_RPATH}
                   ${ward_binding_consumers}
                   -P ${PROJECT_SOURCE_DIR}/cmake/package_test/run.cmake)
  set_tests_properties(package_install_test PROPERTIES TIMEOUT 600 RUN_SERIAL ON)
endif()

# The binding packages as users install them: `pip install ./bindings/python` into a
# virtualenv and `npm pack` + `npm install` into a Node project, each with a consumer
# (cmake/package_test/packages.cmake). Needs both bindings; a build with tests has them (their
# CMakeLists stop the configure otherwise), and a missing pip, venv or npm fails the test.
if(WARD_BUILD_TESTS AND TARGET ward_python AND TARGET ward_node)
  get_property(ward_python_exe GLOBAL PROPERTY WARD_PYTHON_EXECUTABLE)
  find_program(WARD_NPM_EXECUTABLE npm)
  if(NOT WARD_NPM_EXECUTABLE)
    set(WARD_NPM_EXECUTABLE npm)  # not found: the test fails saying so
  endif()
  add_test(NAME package_bindings_test
           COMMAND ${CMAKE_COMMAND}
                   -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                   -DWORK_DIR=${CMAKE_BINARY_DIR}/package_bindings_test
                   -DPYTHON=${ward_python_exe}
                   -DPYTHON_EXTENSION=$<TARGET_FILE:ward_python>
                   -DNPM=${WARD_NPM_EXECUTABLE}
                   -DNODE=${WARD_NODE_EXECUTABLE}
                   -DNODE_ADDON=$<TARGET_FILE:ward_node>
                   -P ${PROJECT_SOURCE_DIR}/cmake/package_test/packages.cmake)
  # RUN_SERIAL: `npm pack` puts the addon in bindings/node/prebuilt/ for a moment.
  set_tests_properties(package_bindings_test PROPERTIES TIMEOUT 600 RUN_SERIAL ON)
endif()
