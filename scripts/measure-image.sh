#!/usr/bin/env bash
# What the service image's own layers hold, measured without a Docker engine: the deps stage of
# docker/Dockerfile replayed in a temporary directory (same manifests, production install, same pruning),
# plus the sources the runtime stage copies (.dockerignore's exclusions applied). Sizes are apparent
# sizes (what a layer tar holds, before compression); the node:24-slim base comes on top (README, Containers).
set -euo pipefail
cd "$(dirname "$0")/.."
# The pruning of docker/Dockerfile's deps stage: keep the two in step.
prune=(\( -name '*.md' -o -name '*.markdown' -o -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \) ! -iname 'licen[cs]e*')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp package.json pnpm-lock.yaml pnpm-workspace.yaml "$work/"
cp -r patches "$work/"
for d in packages/* services/* tools/*; do
  mkdir -p "$work/$d"
  cp "$d/package.json" "$work/$d/"
done
(
  cd "$work"
  CI=true pnpm install --frozen-lockfile --prod --ignore-scripts --silent
  before=$(du -s --apparent-size --block-size=1M node_modules | cut -f1)
  find node_modules/.pnpm -type f "${prune[@]}" -delete
  after=$(du -s --apparent-size --block-size=1M node_modules | cut -f1)
  echo "production node_modules: ${after} MiB (${before} MiB before pruning docs, maps and declarations)"
)
sources=$(find packages services tools -path '*/node_modules' -prune -o -path '*/test' -prune -o -type f \
  ! -name '*.md' ! -name '*.tsbuildinfo' ! -name 'tsconfig*.json' -printf '%s\n' |
  awk '{ s += $1 } END { printf "%.1f", s / 1048576 }')
echo "sources (packages, services, tools; no tests, docs or build files): ${sources} MiB"
