#!/usr/bin/env bash
# What `make` needs before anything else: a Python (>= 3.11) that can make virtual
# environments, and Node with npm. Installs Debian's packages when missing and we are root.
set -euo pipefail
python="${1:-python3}"
need=()
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "readingroom needs Python >= 3.11 as '$python' (set PYTHON=...)" >&2
  exit 1
fi
"$python" -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "missing: ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
