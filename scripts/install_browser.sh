#!/usr/bin/env bash
# Install headless Chromium for the browser tests (tests/test_browser.py).
# Idempotent: does nothing when /usr/bin/chromium already exists.
# Playwright cannot download its own browsers here, so the tests launch Debian's chromium.
set -euo pipefail

CHROMIUM=${ANOMDIFF_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser.sh: no apt-get here; install Chromium yourself and set" \
         "ANOMDIFF_CHROMIUM=/path/to/chromium for the browser tests" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install_browser.sh: need root (or sudo) to apt-get install chromium" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && \
       $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
    echo "install_browser.sh: apt-get failed:" >&2
    tail -n 30 "$log" >&2
    exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
    echo "install_browser.sh: apt-get finished but $CHROMIUM is missing" >&2
    exit 1
fi
"$CHROMIUM" --version 2>/dev/null || true
