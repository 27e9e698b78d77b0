#!/usr/bin/env bash
# Makes sure the real-browser end-to-end test has its browser: Debian's chromium at
# /usr/bin/chromium (playwright-core drives it; no browser is ever downloaded by npm).
#
# If it is there, nothing happens. If it is missing and we are root with apt-get, it is installed
# from the OS packages; otherwise this prints what to run and exits non-zero.
#
# Environment (optional):
#   CHROMIUM_PATH   the browser to use instead of /usr/bin/chromium (then it is only checked)
set -euo pipefail

browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
say() { printf 'browser: %s\n' "$*"; }
complain() { printf 'browser: %s\n' "$*" >&2; }

if [[ -x $browser ]]; then
  exit 0
fi
if [[ -n ${CHROMIUM_PATH:-} ]]; then
  complain "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file."
  exit 1
fi
if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
  say 'chromium is missing: installing it from the OS packages (apt-get install chromium) …'
  # Same lock as ensure-infra.sh: two runs must not fight over dpkg.
  if command -v flock >/dev/null; then
    exec 9>"${TMPDIR:-/tmp}/idp-ensure-infra.lock"
    flock -w 600 9 || complain 'another ensure-*.sh holds the lock; continuing anyway'
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  if [[ -x $browser ]]; then
    say "installed $("$browser" --version 2>/dev/null || echo chromium)"
    exit 0
  fi
  complain "apt-get installed chromium but $browser is still missing."
  exit 1
fi
complain "chromium is not installed ($browser), and this script cannot install it (needs root and apt-get)."
complain '  Debian/Ubuntu:  sudo apt-get install -y chromium'
complain '  or point CHROMIUM_PATH at a Chromium or Chrome binary.'
exit 1
