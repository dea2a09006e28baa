#!/usr/bin/env bash
# Builds the workbench's bundle, web/dist/workbench.js, from web/src with the
# versions pinned in package-lock.json. The bundle is committed, so building
# leadscore needs no Node; CI runs this again and checks nothing changed
# (`.ci/run`, "the workbench bundle is up to date").
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
# esbuild's postinstall step may be held back by npm's install-script policy;
# its JavaScript shim finds the platform binary package either way.
npx --no-install esbuild src/main.js --bundle --minify --format=iife --target=es2020 \
  --legal-comments=none --charset=utf8 --outfile=dist/workbench.js --log-level=warning
echo "built web/dist/workbench.js ($(wc -c < dist/workbench.js) bytes)"
