#!/usr/bin/env bash
# Checks a nats-server config (default docker/nats/nats.conf) with the nats-server on this machine. Debian ships
# 2.9, the compose stack and infra run 2.12: the one newer field the config uses, jetstream's `sync_interval`
# (2.10+, fsync before acknowledging), is checked for a valid value here and left out of 2.9's own parse.
set -euo pipefail
conf=${1:-docker/nats/nats.conf}
sync='^[[:space:]]*sync_interval:[[:space:]]*'
valid="${sync}(always|[0-9]+(ms|s|m|h))[[:space:]]*$"
if grep -Eq "$sync" "$conf" && ! grep -Eq "$valid" "$conf"; then
  echo "$conf: sync_interval must be 'always' or a duration such as 1s or 2m" >&2
  exit 1
fi
stripped=$(mktemp --suffix=.conf)
trap 'rm -f "$stripped"' EXIT
grep -Ev "$valid" "$conf" > "$stripped"
NATS_PASSWORD=${NATS_PASSWORD:-check} nats-server -c "$stripped" -t
