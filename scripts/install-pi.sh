#!/usr/bin/env bash
# Sets up a Raspberry Pi (or any Debian machine) to boot into the voiceguide voice menu:
# system packages, the project in its own virtual environment, the English speech model when the
# machine is online, and a systemd user service that starts `voiceguide menu --loop` at boot.
#
# Run it as the user who will own the service, from a checkout of voiceguide:
#     ./scripts/install-pi.sh            # everything
#     ./scripts/install-pi.sh --no-model # skip the model download
#     ./scripts/install-pi.sh --button-gpio 17 --button-device "Presenter"   # one button (docs/raspberry-pi.md)
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}/voiceguide"
venv="$data/venv"
units="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"
want_model=1
button_gpio=""
button_device=""
while (($#)); do
  case "$1" in
    --no-model) want_model=0 ;;
    --button-gpio|--button-device)
      [ $# -ge 2 ] || { echo "install-pi.sh: $1 needs a value" >&2; exit 2; }
      if [ "$1" = --button-gpio ]; then button_gpio="$2"; else button_device="$2"; fi
      shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install-pi.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

say() { printf '\n== %s\n' "$*" >&2; }

say "system packages"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
# gcc, the C library and kernel headers, and python3-dev: evdev (the one-button input) is compiled.
packages=(python3 python3-venv python3-pip espeak-ng libespeak-ng1 libportaudio2 alsa-utils libasound2-plugins
          gcc libc6-dev linux-libc-dev python3-dev)
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
"$venv/bin/pip" install -q "${here}[button]"
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

say "one button"
# Input devices and GPIO pins belong to these groups; the service reads them as this user.
for group in input gpio; do
  if getent group "$group" >/dev/null && ! id -nG | tr ' ' '\n' | grep -qx "$group"; then
    $sudo usermod -aG "$group" "$(id -un)" && echo "added $(id -un) to the $group group (takes effect after a reboot)" >&2
  fi
done
# The service reads its environment from here: VOICEGUIDE_* settings, as on the command line.
envfile="${XDG_CONFIG_HOME:-$HOME/.config}/voiceguide/service.env"
mkdir -p "$(dirname "$envfile")"
touch "$envfile"
set_env() {  # set_env NAME VALUE: one line in the service's environment file, replaced if there
  local rest
  rest="$(grep -v "^$1=" "$envfile" || true)"
  { [ -z "$rest" ] || printf '%s\n' "$rest"; printf '%s="%s"\n' "$1" "${2//\"/}"; } >"$envfile"
}
if [ -n "$button_gpio$button_device" ] &&
   ! VOICEGUIDE_BUTTON_GPIO="$button_gpio" VOICEGUIDE_BUTTON_DEVICE="$button_device" "$venv/bin/voiceguide" config >/dev/null; then
  echo "install-pi.sh: fix the setting above and run again" >&2
  exit 2
fi
[ -z "$button_gpio" ] || set_env VOICEGUIDE_BUTTON_GPIO "$button_gpio"
[ -z "$button_device" ] || set_env VOICEGUIDE_BUTTON_DEVICE "$button_device"
if [ -n "$button_gpio$button_device" ]; then
  echo "button settings in $envfile; try the button with: $venv/bin/voiceguide buttons" >&2
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
