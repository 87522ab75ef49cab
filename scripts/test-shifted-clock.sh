#!/usr/bin/env bash
# The services' suites (and the cross-service tests) with this process tree's clock moved a year ahead by
# libfaketime: a test that compares a fixed date with the wall clock, or a rule that reads the wall clock
# instead of the injected one, fails here today instead of next year. Postgres and NATS keep the real clock,
# so code that mixes a server's clock with the service's own fails too. Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v faketime >/dev/null; then
  echo "test:shifted-clock: libfaketime is missing; install it with: apt-get install faketime" >&2
  exit 2
fi
shift_by=${CHARGEBUS_CLOCK_SHIFT:-+365d}
echo "test:shifted-clock: the clock of the tests is $(faketime -f "$shift_by" date -u +%Y-%m-%dT%H:%M:%SZ) (real: $(date -u +%Y-%m-%dT%H:%M:%SZ))"
exec faketime -f "$shift_by" pnpm test services test/integration "$@"
