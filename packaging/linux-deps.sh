#!/usr/bin/env bash
# Install the Debian/Ubuntu system libraries Qt needs (offscreen for tests, xcb for a desktop),
# plus the tools the test suite uses. Does nothing when they are already there or on other systems.
set -euo pipefail
command -v dpkg >/dev/null 2>&1 || exit 0
command -v apt-get >/dev/null 2>&1 || exit 0

want=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
      libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
      libxcb-render-util0 libxcb-image0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1
      libpulse0 fonts-dejavu-core poppler-utils)
missing=()
for pkg in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "missing system packages: ${missing[*]} (run as root: apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
