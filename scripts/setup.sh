#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine: Debian's Chromium
# (the booking widget is tested in a real browser; no package may download its
# own) and the npm packages pinned in package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium >/dev/null
fi

npm ci --no-audit --no-fund
