#!/usr/bin/env bash
# Benchmarks TK against careful C, OpenBLAS, oneDNN and Halide, once with 1
# thread and once with 2 (each pinned with taskset); prints the tables and
# writes into docs/perf/: bench.md (the tables), bench-1t.csv and
# bench-2t.csv (one line per implementation and case), ratios.dat and the
# plots ratios.svg / ratios.png (TK's speed over the best peer's; gnuplot).
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are cleared before any library
# loads (they force slower OpenBLAS kernels; tk_bench also re-executes
# itself without them).
# Usage: bash scripts/bench.sh [--quick]   (--quick: tiny shapes, a smoke run)
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=(libopenblas-dev libdnnl-dev libhalide14-0-dev g++ gnuplot-nox)
missing=()
for p in "${PEERS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DTK_BENCH=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target tk_bench >/dev/null
OUT=docs/perf
mkdir -p "$OUT"
{
  echo "# tk_bench $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/bench.md"
for T in 1 2; do
  [ "$T" -gt "$(nproc)" ] && continue
  echo | tee -a "$OUT/bench.md"
  echo "## $T thread(s)" | tee -a "$OUT/bench.md"
  echo | tee -a "$OUT/bench.md"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    TK_NUM_THREADS=$T OMP_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T HL_NUM_THREADS=$T \
    taskset -c "$(seq -s, 0 $((T - 1)))" \
    ./build-bench/bench/tk_bench --csv "$OUT/bench-${T}t.csv" "$@" | tee -a "$OUT/bench.md"
done
# ratios.dat: one line per case, TK hand and auto over the best correct peer, 1 and 2 threads
awk -F, 'FNR == 1 { next }
  $8 != "ok" { next }
  { key = $2 " " $3; t = $1; if (!(key in seen)) { seen[key] = 1; order[n++] = key }
    if ($4 == "TK hand") hand[key, t] = $5
    else if ($4 == "TK auto") aut[key, t] = $5
    else if (!((key, t) in best) || $5 < best[key, t]) best[key, t] = $5 }
  END {
    print "# case hand_1t auto_1t hand_2t auto_2t  (best peer time / TK time)"
    for (i = 0; i < n; i++) {
      k = order[i]; line = "\"" k "\""
      split("1 2", ts, " ")
      for (j = 1; j <= 2; j++) {
        t = ts[j]
        line = line " " (((k, t) in best && (k, t) in hand) ? best[k, t] / hand[k, t] : "NaN")
        line = line " " (((k, t) in best && (k, t) in aut) ? best[k, t] / aut[k, t] : "NaN")
      }
      print line
    }
  }' "$OUT"/bench-*t.csv > "$OUT/ratios.dat"
for term in svg png; do
  gnuplot -e "datafile='$OUT/ratios.dat'; outfile='$OUT/ratios.$term'; term='$term'" bench/ratios.gp
done
echo "wrote $OUT/bench.md, $OUT/bench-*t.csv, $OUT/ratios.dat, $OUT/ratios.svg, $OUT/ratios.png"
