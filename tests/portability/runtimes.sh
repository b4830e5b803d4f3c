#!/usr/bin/env bash
# Runs @router/core's portable cases (src/cases.ts) and the gateway's fetch
# handler cases (src/gateway-cases.ts) on Deno, Bun and workerd (Cloudflare's
# open-source Workers runtime) against the built bundles; Node runs the same
# cases in the vitest suite. All three ship their binaries as npm packages, so
# like ./pnpmw with Node they are installed with npm into .tools/runtimes/ on
# first use. A runtime that cannot be installed or does not run fails this
# script, with the reason.
set -euo pipefail

DENO_VERSION=2.9.6
BUN_VERSION=1.4.4
WORKERD_VERSION=1.20261117.1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
runtimes="$root/.tools/runtimes"
bin="$runtimes/node_modules/.bin"
want="deno@$DENO_VERSION bun@$BUN_VERSION workerd@$WORKERD_VERSION"

fail() {
  echo "portability: FAILED: $*" >&2
  exit 1
}

if [ ! -x "$bin/deno" ] || [ ! -x "$bin/bun" ] || [ ! -x "$bin/workerd" ] || [ "$(cat "$runtimes/.versions" 2>/dev/null)" != "$want" ]; then
  echo "portability: installing $want into .tools/runtimes/" >&2
  command -v npm >/dev/null || fail "npm is not on PATH, so $want cannot be installed"
  mkdir -p "$runtimes"
  # --no-package-lock: the lock would record registry addresses; .tools/ is ignored anyway.
  npm install --prefix "$runtimes" --no-package-lock --no-audit --no-fund --loglevel=error \
    "deno@$DENO_VERSION" "bun@$BUN_VERSION" "workerd@$WORKERD_VERSION" >&2 \
    || fail "npm could not install $want (see npm's output above)"
  echo "$want" > "$runtimes/.versions"
fi
for runtime in deno bun workerd; do
  version=$("$bin/$runtime" --version 2>&1) || fail "$runtime is installed in .tools/runtimes/ but does not run on this machine: $version"
done

# The cases import @router/core's and @router/gateway's bundles: build it when it is missing or stale (a cache hit after ./pnpmw test).
"$root/pnpmw" exec turbo run build --filter=@router/core --filter=@router/gateway --output-logs=errors-only >&2
# workerd runs module workers listed in its config: bundle the two of workerd.capnp from those bundles.
"$root/pnpmw" exec tsdown --config "$here/tsdown.workerd.ts" --logLevel warn >&2 \
  || fail "tsdown could not bundle the workers for workerd (see its output above)"

cd "$here"
status=0
# No permissions at all: core must not need any (no env, no files, no network).
"$bin/deno" run --no-prompt src/main.ts || status=1
"$bin/bun" src/main.ts || status=1
# `workerd test` runs the cases worker's test handler and exits non-zero when it throws (any case failed)
# or a worker does not load. The timeout is a guard against a hang, not a speed check (the cases take
# about 3 s): a response body left unread holds the test open on a Workers-style host.
echo "workerd $("$bin/workerd" --version 2>&1 | sed 's/^workerd //') (npm workerd@$WORKERD_VERSION)"
timeout --kill-after=10 600 "$bin/workerd" test workerd.capnp || {
  code=$?
  case $code in 124 | 137) echo "portability: workerd did not finish within 600 s: a request left open?" >&2 ;; esac
  status=1
}
exit "$status"
