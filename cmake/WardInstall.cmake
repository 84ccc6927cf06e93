# Installation and packaging: `cmake --install BUILD [--prefix PREFIX]` installs
#
#   include/ward/*.h                                     the C++ API (<ward/ward.h>)
#   include/ward.h                                       the C interface
#   lib/libward_runtime.a, libward_lang.a, libward_bundle_proto.a, libward.so
#   bin/ward                                             the command-line tool
#   lib/cmake/ward/                                      find_package(ward CONFIG): ward::runtime,
#                                                        ward::lang, ward::c
#   lib/pkgconfig/ward.pc                                the C library, for pkg-config
#
# A C++ program links ward::lang (the compiler and the runtime) or ward::runtime (bundles
# only); a C program links ward::c or `pkg-config --cflags --libs ward`. One program must not
# use both (see ward.h).

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
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ward DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

install(EXPORT wardTargets NAMESPACE ward:: DESTINATION ${WARD_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wardConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/wardConfig.cmake
  INSTALL_DESTINATION ${WARD_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/wardConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/wardConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/wardConfigVersion.cmake
        DESTINATION ${WARD_INSTALL_CMAKEDIR})

if(TARGET ward_c)
  # ward.pc finds the prefix from its own place, so that `cmake --install --prefix` moves it.
  file(RELATIVE_PATH WARD_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
  string(REGEX REPLACE "/$" "" WARD_PC_TO_PREFIX "${WARD_PC_TO_PREFIX}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/ward.pc.in ${CMAKE_CURRENT_BINARY_DIR}/ward.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ward.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

# Installs this build into a fresh prefix and builds two programs against it: a C++ one with
# find_package(ward) and a C one with pkg-config. Each decides a request and checks it.
if(WARD_BUILD_TESTS AND TARGET ward_c)
  set(ward_consumer_flags "")
  if(WARD_SANITIZE)
    # The installed libraries carry sanitizer calls; their consumers need the runtime.
    set(ward_consumer_flags "-fsanitize=address,undefined")
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
                   -P ${PROJECT_SOURCE_DIR}/cmake/package_test/run.cmake)
  set_tests_properties(package_install_test PROPERTIES TIMEOUT 600 RUN_SERIAL ON)
endif()
