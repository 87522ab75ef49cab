#!/usr/bin/env bash
# `cdk synth` of every environment, offline: placeholder account, certificates and domains, no credentials,
# no notices or version check (the CLI would otherwise call out). Fails on any synth error annotation.
set -euo pipefail
cd "$(dirname "$0")/.."
export CDK_DISABLE_VERSION_CHECK=true CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cert=arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000
for env in dev staging prod; do
  pnpm exec cdk synth --quiet --no-notices --output "$out/$env" \
    -c env="$env" -c imageTag=ci -c account=111111111111 -c region=eu-west-1 \
    -c ocppCertificateArn="$cert" -c apiCertificateArn="$cert" \
    -c ocppDomain="ocpp.$env.example.com" -c ftpDomain="ftp.$env.example.com"
  stacks=$(find "$out/$env" -name '*.template.json' | wc -l)
  echo "$env: $stacks stacks synthesized"
  [ "$stacks" -eq 9 ]
done
