#!/usr/bin/env bash
# Interleaved CPU-time A/B of one fused kernel over training steps: each repetition runs the
# step profile once without the kernel (its unfused fallback) and once with it.
#   bench/step-ab.sh <kernel> <workload> <reps> [extra step-profile args...] > out.jsonl
set -euo pipefail
kernel=$1 workload=$2 reps=$3
shift 3
for ((i = 0; i < reps; i++)); do
  for without in "$kernel" ""; do
    npx tsx bench/step-profile.ts --workload "$workload" --without "$without" "$@" | grep '^{'
  done
done
