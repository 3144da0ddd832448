# abseil-style helpers: one small library per concept, its test beside it.
#
# podwall_cc_library(NAME n SRCS ... [HDRS ...] [DEPS ...])
#   Defines target podwall_<n> (alias podwall::<n>).
# podwall_cc_test(NAME n SRCS ... [DEPS ...] [LABEL l])
#   Defines a gtest binary <n> whose cases are registered one by one with
#   ctest, with the label "unit" unless LABEL names another: one label per
#   test (gtest discovery cannot carry a list). "unit-threads" marks unit
#   tests that run threads: `ctest -L` takes a regular expression, so
#   -L unit selects them too and -L threads only them (ThreadSanitizer).
# podwall_cc_kernel_test(NAME n SRCS ... [DEPS ...])
#   A gtest binary that runs in its own network namespace (label "kernel").
# podwall_cc_binary(NAME n SRCS ... [DEPS ...])
# podwall_cc_fuzzer(NAME n SRCS ... [DEPS ...])
#   Only built when PODWALL_FUZZ is on (clang, -fsanitize=fuzzer).

function(podwall_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;HDRS;DEPS" ${ARGN})
  set(target podwall_${ARG_NAME})
  if(ARG_SRCS)
    add_library(${target} STATIC ${ARG_SRCS} ${ARG_HDRS})
    target_link_libraries(${target} PUBLIC ${ARG_DEPS})
  else()
    add_library(${target} INTERFACE ${ARG_HDRS})
    target_link_libraries(${target} INTERFACE ${ARG_DEPS})
  endif()
  add_library(podwall::${ARG_NAME} ALIAS ${target})
endfunction()

function(podwall_cc_test)
  cmake_parse_arguments(ARG "" "NAME;LABEL" "SRCS;DEPS" ${ARGN})
  set(ARG_LABELS unit)
  if(ARG_LABEL)
    set(ARG_LABELS ${ARG_LABEL})
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  # Test data is found from this absolute path, whatever the working
  # directory a test is run from.
  target_compile_definitions(${ARG_NAME} PRIVATE
    PODWALL_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  gtest_discover_tests(${ARG_NAME}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}"
    DISCOVERY_TIMEOUT 60)
endfunction()

function(podwall_cc_kernel_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} podwall::netns_test_main
    GTest::gmock GTest::gtest)
  target_compile_definitions(${ARG_NAME} PRIVATE
    PODWALL_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  gtest_discover_tests(${ARG_NAME}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    PROPERTIES LABELS "kernel"
    DISCOVERY_TIMEOUT 60)
endfunction()

function(podwall_cc_binary)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
endfunction()

function(podwall_cc_fuzzer)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  if(NOT PODWALL_FUZZ)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_compile_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} -fsanitize=fuzzer)
endfunction()
