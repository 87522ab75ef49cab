#!/usr/bin/env bash
# The first of the README's two commands: from a fresh clone to a running network.
#   bash scripts/up.sh          toolchain if missing (scripts/toolchain.sh), pnpm install, then pnpm start:
#                               Postgres, NATS, pgbouncer, database and migrations (pnpm deps:up), every
#                               service, and a line saying where to look. Ctrl-C stops it (exit 0).
#   bash scripts/up.sh demo     the same, then a small simulated fleet that charges (pnpm chargebus demo).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/toolchain.sh
source scripts/toolchain.sh
pnpm install --frozen-lockfile --reporter=silent
if [[ ${1:-} == demo ]]; then
  shift
  exec pnpm --silent chargebus demo "$@"
fi
exec pnpm --silent start "$@"
