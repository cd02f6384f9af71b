#!/usr/bin/env bash
# Sets up a Raspberry Pi (or any Debian machine) to boot into the voiceguide voice menu:
# system packages, the project in its own virtual environment, the English speech model when the
# machine is online, and a systemd user service that starts `voiceguide menu --loop` at boot.
#
# Run it as the user who will own the service, from a checkout of voiceguide:
#     ./scripts/install-pi.sh            # everything
#     ./scripts/install-pi.sh --no-model # skip the model download
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}/voiceguide"
venv="$data/venv"
units="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"
want_model=1
for arg in "$@"; do
  case "$arg" in
    --no-model) want_model=0 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install-pi.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\n== %s\n' "$*" >&2; }

say "system packages"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
packages=(python3 python3-venv python3-pip espeak-ng libespeak-ng1 libportaudio2 alsa-utils libasound2-plugins)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

say "voiceguide in $venv"
mkdir -p "$data"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q "$here"
mkdir -p "$data/docs"
cp "$here/docs/raspberry-pi.md" "$data/docs/"
# The command on the PATH (Debian's login shells add ~/.local/bin): the same program the service runs.
bin="$HOME/.local/bin"
mkdir -p "$bin"
if [ -e "$bin/voiceguide" ] && [ ! -L "$bin/voiceguide" ]; then
  echo "left alone: $bin/voiceguide is not a link; the guide is $venv/bin/voiceguide" >&2
else
  ln -sfn "$venv/bin/voiceguide" "$bin/voiceguide"
fi

if [ "$want_model" -eq 1 ]; then
  say "English speech model"
  if "$venv/bin/voiceguide" model download en; then
    echo "model installed" >&2
  else
    echo "could not download the model now (offline?); run later: $venv/bin/voiceguide model download en" >&2
  fi
fi

say "systemd user service"
mkdir -p "$units"
install -m 644 "$here/scripts/voiceguide.service" "$units/voiceguide.service"
if command -v systemctl >/dev/null && systemctl --user show-environment >/dev/null 2>&1; then
  systemctl --user daemon-reload
  systemctl --user enable voiceguide.service
  # Start user services at boot, without anyone logging in.
  if command -v loginctl >/dev/null; then
    $sudo loginctl enable-linger "$(id -un)" || echo "could not enable lingering; the guide starts at login" >&2
  fi
  echo "enabled: it starts at the next boot, or now with: systemctl --user start voiceguide" >&2
else
  echo "no user systemd session here; enable later with: systemctl --user enable --now voiceguide" >&2
fi

say "done"
echo "Check the microphone with: voiceguide mic-test (in a new login shell; or $venv/bin/voiceguide mic-test)" >&2
