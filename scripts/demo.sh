#!/usr/bin/env bash
# The README's main-job command: all set-up, then podkit's main job.
# Until the Pod runtime lands, the main job validates every example manifest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
shopt -s nullglob
manifests=(examples/*/*.yaml)
if [ "${#manifests[@]}" -eq 0 ]; then
  echo "[demo] no example manifests found under examples/" >&2
  exit 1
fi
echo "[demo] podkit validate ${manifests[*]}"
exec node packages/cli/dist/main.js validate "${manifests[@]}"
