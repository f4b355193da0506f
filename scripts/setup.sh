#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine: Debian's Chromium
# (the booking widget is tested in a real browser; no package may download its
# own) and the npm packages pinned in package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# The exact path the browser tests launch (test/helpers/chromium.ts): a
# `chromium` elsewhere on PATH (a snap, a wrapper) would not be the one used.
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
  sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium >/dev/null
  if [ ! -x "$CHROMIUM" ]; then
    echo "setup: apt installed chromium but $CHROMIUM is missing; the browser tests launch that path." >&2
    exit 1
  fi
fi

npm ci --no-audit --no-fund
