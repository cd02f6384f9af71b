#!/usr/bin/env bash
# Installs everything voiceguide needs: the system packages that are missing (apt-get), then the
# package itself with its test tools (pip install -e .[test]).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(espeak-ng libespeak-ng1 libportaudio2 sox alsa-utils pulseaudio pulseaudio-utils libasound2-plugins
          shellcheck systemd strace)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing system packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -m pip install -q -e ".[test]"
echo "voiceguide is installed: try 'voiceguide list'" >&2
