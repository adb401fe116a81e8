#!/bin/bash
# Collapse study (issue 12, item 0): trains the demo preset for CPC and GIM over seeds, then
# diagnoses every checkpoint (bench/collapse-diagnose.ts) into one JSON file.
#   bench/collapse-study.sh OUT_DIR "SEEDS" [extra gim train args…]
# e.g. bench/collapse-study.sh runs/collapse-after "1 2 3 4 5 6 7 8" --set train.warmupSteps=200
# GIM_CLI (default dist/cli/main.js) picks the build to run, so a study can use a snapshot of one
# commit while the tree changes.
set -u
out=$1; seeds=$2; shift 2
cli=${GIM_CLI:-dist/cli/main.js}
mkdir -p "$out"
for layout in ${LAYOUTS:-cpc gim-6}; do
  for seed in $seeds; do
    d="$out/$layout-s$seed"
    [ -f "$d/done" ] && continue
    echo "$(date -u +%FT%TZ) start $layout seed $seed load $(cut -d' ' -f1 /proc/loadavg)" >> "$out/progress.log"
    node "$cli" train --data data/synth-speech --preset demo --layout "$layout" --seed "$seed" \
      --out "$d" --checkpoint-every 0 "$@" > "$d.stdout" 2>&1 && touch "$d/done"
    echo "$(date -u +%FT%TZ) end $layout seed $seed rc $? load $(cut -d' ' -f1 /proc/loadavg)" >> "$out/progress.log"
  done
done
[ "${DIAGNOSE:-1}" = 0 ] || npx tsx bench/collapse-diagnose.ts --data data/synth-speech "$out"/*-s*/ > "$out/diagnose.json"
