#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole test suite twice,
# in a normal build and in an ASan+UBSan build (build-asan/); in between, the
# three concurrency scenarios run under ThreadSanitizer (build-tsan/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)
cmake -S . -B build -DTK_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure
cmake -S . -B build-tsan -DTK_TSAN=ON -DTK_WERROR=ON >/dev/null
cmake --build build-tsan -j"$jobs" --target api_threads_test concurrency_test compile_threads_test
./build-tsan/tests/api_threads_test
./build-tsan/tests/concurrency_test
./build-tsan/tests/compile_threads_test
cmake -S . -B build-asan -DTK_SANITIZE=ON -DTK_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan -j"$jobs" --output-on-failure
