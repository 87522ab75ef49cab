#!/usr/bin/env bash
# The second of the README's two commands: the tests (`pnpm test`), from a fresh clone.
#   bash scripts/test.sh [jest args]   toolchain if missing, pnpm install, pnpm deps:up (Postgres, NATS,
#                                      pgbouncer, database), then pnpm test. .ci/run calls it too.
# Checks against material outside the repository (../shared) are `pnpm interop`, not part of this.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/toolchain.sh
source scripts/toolchain.sh
pnpm install --frozen-lockfile --reporter=silent
pnpm --silent deps:up
exec pnpm --silent test "$@"
