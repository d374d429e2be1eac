#!/usr/bin/env bash
# Runs one benchmark (fanout, idle, write, search, all) with as many open files as the hard limit
# allows: 10,000 idle streams need that many sockets in the client and in the server.
set -euo pipefail
scenario="${1:?usage: bench/run.sh fanout|idle|write|search|all}"
shift
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cd "$(dirname "$0")/.."
exec node -r @swc-node/register "bench/${scenario}.ts" "$@"
