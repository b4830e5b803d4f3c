#!/usr/bin/env bash
# Fails when a file under version control still holds merge-conflict markers
# (a README once shipped both sides of a conflict). Outside a git checkout
# (a source tarball) there is nothing to check.
set -euo pipefail
cd "$(dirname "$0")/.."
git rev-parse --git-dir >/dev/null 2>&1 || exit 0
if git grep -nE '^(<{7}|>{7})( |$)|^={7}$' -- . ':!pnpm-lock.yaml'; then
  echo 'check-merge-markers: conflict markers above; resolve them.' >&2
  exit 1
fi
