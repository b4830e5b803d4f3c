#!/usr/bin/env bash
# Makes sure `redis-server` is on the PATH for the tests and the bench of @router/redis,
# which start their own servers on free loopback ports. Idempotent: does nothing when
# the binary is there; otherwise installs Debian's package (CI runs as root).
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "ensure-redis: installing redis-server" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# The package may start a system service on 6379; the tests never use it.
command -v redis-server >/dev/null
