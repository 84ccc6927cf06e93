#!/bin/sh
# Stand-in for Bazel's coverage tools; see BUILD.bazel.
echo "bazel coverage is not supported in this offline setup; use the CMake build for coverage." >&2
exit 1
