// gtest main for kernel tests: moves the process into a fresh network
// namespace before any test runs, so nothing a test does can reach the
// machine's own ruleset, links or routes, and everything it made disappears
// with the process. Listing tests (gtest_discover_tests) needs no namespace.

#include <sched.h>

#include <cstdio>

#include "gtest/gtest.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!::testing::GTEST_FLAG(list_tests) && unshare(CLONE_NEWNET) != 0) {
    std::perror("unshare(CLONE_NEWNET) (kernel tests need root)");
    return 1;
  }
  return RUN_ALL_TESTS();
}
