#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: redis-server
# (@router/redis and tests/multi-process start their own servers on free loopback
# ports) and chromium (@router/gateway's status-page test; browser downloads do
# not work here). Idempotent: does nothing when both are there. Needs root or sudo.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ "${#missing[@]}" -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "ensure-test-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The redis package may start a system service on 6379; the tests never use it.
for binary in redis-server chromium; do command -v "$binary" >/dev/null; done
