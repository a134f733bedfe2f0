#!/usr/bin/env bash
# The GPU check (bench/gpu.py): correctness checks, the paper-size benchmark and the projected GPU-hours,
# written to OUT as gpu-check.json and summary.md. Installs nothing.
#   bash bench/gpu.sh OUT [--dry-run]
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 -m bench.gpu "$@"
