#!/usr/bin/env bash
# The seed's habit: ./scripts/deploy.sh <env> [flags] — forwards to `orchestrate deploy`.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: scripts/deploy.sh <dev|stage|prod> [deploy flags, e.g. --yes --stacks backend]" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
exec node bin/orchestrate.mjs deploy "$@"
