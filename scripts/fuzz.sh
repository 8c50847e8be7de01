#!/usr/bin/env bash
# Long differential fuzzing campaign (docs/robustness.md): runs the pipeline
# fuzzer (tests/fuzz/pipeline_fuzz_test.c) in batches of programs, one seed
# per batch, until the time is up, in the ASan+UBSan build by default.
# A batch with a finding keeps its log (every program it ran, the finding
# and the line that replays it) in the output directory.
#
#   scripts/fuzz.sh --minutes 60 [--seed 1000] [--batch 20] [--build build-asan] [--out fuzz-out]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10 seed=$(( $(date +%s) % 100000 * 1000 )) batch=20 build=build-asan out=fuzz-out
while [ $# -gt 0 ]; do
    case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--minutes N] [--seed S] [--batch N] [--build DIR] [--out DIR]" >&2; exit 2 ;;
    esac
done
if [ ! -f "$build/CMakeCache.txt" ]; then
    if [ "$build" = build-asan ]; then
        cmake -S . -B "$build" -DTK_SANITIZE=ON -DTK_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
    else
        cmake -S . -B "$build" -DTK_WERROR=ON >/dev/null
    fi
fi
cmake --build "$build" -j"$(nproc)" --target pipeline_fuzz_test >/dev/null
mkdir -p "$out"
end=$(( $(date +%s) + minutes * 60 ))
start=$(date +%s)
programs=0 kernels=0 findings=0 crashes=0 batches=0
echo "fuzz: seeds from $seed, $batch programs per seed, $minutes min, build $build, logs in $out/"
while [ "$(date +%s)" -lt "$end" ]; do
    log="$out/seed-$seed.log"
    left=$(( end - $(date +%s) ))
    status=0
    TK_FUZZ_SEED=$seed TK_FUZZ_COUNT=$batch TK_FUZZ_SECONDS=$left TK_FUZZ_PRINT=1 \
        "$build/tests/pipeline_fuzz_test" --jobs 1 >"$log" 2>&1 || status=$?
    batches=$((batches + 1))
    summary=$(grep -a '^pipeline fuzz: seed' "$log" || true)
    if [ -n "$summary" ]; then
        read -r p k f <<<"$(echo "$summary" | sed -E 's/.*, ([0-9]+) programs, ([0-9]+) kernels, .* ([0-9]+) findings.*/\1 \2 \3/')"
        programs=$((programs + p)) kernels=$((kernels + k)) findings=$((findings + f))
    else
        crashes=$((crashes + 1))
        echo "fuzz: seed $seed crashed (status $status); the last program in $log is the culprit"
    fi
    if [ "$status" -eq 0 ]; then
        rm -f "$log"
    elif [ -n "$summary" ]; then
        echo "fuzz: seed $seed: $(grep -a -c '^=== fuzz finding' "$log") finding(s), see $log"
    fi
    seed=$((seed + 1))
done
echo "fuzz: $(( ($(date +%s) - start) / 60 )) min, $batches seeds, $programs programs, $kernels kernels," \
     "$findings findings, $crashes crashed batches"
[ "$findings" -eq 0 ] && [ "$crashes" -eq 0 ]
