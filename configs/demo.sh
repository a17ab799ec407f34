#!/usr/bin/env bash
# make demo: the main job against the built-in sandbox. Only Go is needed.
set -euo pipefail
BIN=${1:-bin/handoff}
echo "== validate the example actions"
"$BIN" validate configs/actions
echo "== list them"
"$BIN" --dir configs/actions action list
