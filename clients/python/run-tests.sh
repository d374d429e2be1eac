#!/usr/bin/env bash
# The Python client's checks: install it with its test extras into a venv, run mypy --strict,
# then pytest against the service built in dist/ (run `npm run build` first).
# Usage: bash clients/python/run-tests.sh [VENV_DIR]   (default: clients/python/.venv)
# Without Python 3.10+ it says why and exits 0, except under CI=true, where it fails.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${1:-$HERE/.venv}"
PY="${PYTHON:-python3}"

unusable() {
  if [ "${CI:-}" = "true" ]; then
    echo "Python client tests cannot run: $1 (required under CI=true)" >&2
    exit 1
  fi
  echo "Python client tests SKIPPED: $1" >&2
  exit 0
}

command -v "$PY" >/dev/null 2>&1 || unusable "$PY was not found (Python 3.10+ is needed)"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null ||
  unusable "$("$PY" --version 2>&1) is older than 3.10"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV" || unusable "$PY -m venv failed (is the venv module installed?)"
fi

if [ ! -f "$REPO/dist/main.js" ]; then
  echo "Python client tests: $REPO/dist/main.js is missing; run \`npm run build\` first" >&2
  exit 1
fi

# Reinstall only when the package's requirements changed since the last install into this venv.
STAMP="$VENV/.mnemo-install"
WANT="$(cat "$HERE/pyproject.toml" | "$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  # An index that cannot be reached is skipped at once rather than retried.
  PIP_RETRIES="${PIP_RETRIES:-0}" "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$HERE[test]"
  echo "$WANT" >"$STAMP"
fi

cd "$HERE"
if "$VENV/bin/python" -m mypy --version >/dev/null 2>&1; then
  "$VENV/bin/python" -m mypy --strict src tests
else
  echo "mypy is not installed: type check skipped" >&2
fi
"$VENV/bin/python" -m pytest -q
