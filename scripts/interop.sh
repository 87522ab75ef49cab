#!/usr/bin/env bash
# pnpm interop [jest args] - the checks against material outside the repository, which `pnpm test` leaves out
# so that a clone on its own passes:
#   1. jest over every test/interop/ folder (jest.interop.config.js): the official OCA WSDLs (OCPP_SPEC_DIR,
#      default ../shared/spec/ocpp) and the independent zeep station (OCPP_STATION_DIR, default
#      ../shared/tools/ocpp-station) as the ChargePointService the gateway calls;
#   2. scripts/station-interop.ts: that station against the whole stack (pnpm start).
# Without the material it says in one line what is missing and exits 1 (nothing is skipped silently).
set -euo pipefail
cd "$(dirname "$0")/.."
spec=${OCPP_SPEC_DIR:-../shared/spec/ocpp}
station=${OCPP_STATION_DIR:-../shared/tools/ocpp-station}
missing=()
[[ -d $spec ]] || missing+=("the OCA WSDLs ($spec, OCPP_SPEC_DIR)")
[[ -f $station/station.py ]] || missing+=("the independent station ($station, OCPP_STATION_DIR)")
if ((${#missing[@]} > 0)); then
  what=${missing[0]}
  ((${#missing[@]} == 1)) || what="$what and ${missing[1]}"
  echo "interop: missing $what: put ../shared beside the repository; nothing was checked" >&2
  exit 1
fi
status=0
node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js \
  --config jest.interop.config.js "$@" || status=$?
node scripts/station-interop.ts || status=$?
exit "$status"
