#!/usr/bin/env bash
# Install the Debian packages some tests and benchmarks use, when they are missing:
# Chromium and its driver (Playwright drives the system browser, it downloads none), CJK fonts
# (so screenshots show glyphs, not boxes), SpamAssassin (offline spam score of an issue),
# nginx (a fast SES-compatible sink for the sending benchmark) and wrk (the HTTP load
# generator of the tracking benchmark).
# Without root or apt-get it only reports; the tests that need a missing piece then skip and
# say why.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v spamassassin >/dev/null 2>&1 || missing+=(spamassassin)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system packages missing (install them with apt-get as root): ${missing[*]}" >&2
  exit 0
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
