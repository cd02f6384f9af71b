#!/usr/bin/env bash
# Installs voiceguide from this checkout on Debian 12, Raspberry Pi OS Bookworm and their kin:
#   - the system packages it needs that are missing (apt-get; sudo when not root),
#   - a virtual environment in .venv holding voiceguide (these systems' Python refuses
#     `pip install` outside one), installed editable: this checkout is the program,
#   - the `voiceguide` command on the PATH (~/.local/bin, or /usr/local/bin as root),
#   - the official small English speech model for voice commands, when the internet is reachable.
# Running it again is harmless and quick: every step that is already done is skipped.
#
# Usage: ./scripts/setup.sh [options]
#   --dev                   also the developer tools and the test extras (for: .venv/bin/python -m pytest)
#   --lang LANGS            the speech models to fetch, comma-separated (default: en), e.g. --lang en,ko
#   --no-model              fetch no speech model
#   --no-apt                install no system packages (you have installed them yourself)
#   --bin-dir DIR           where the `voiceguide` command goes (default ~/.local/bin, as root /usr/local/bin)
#   --system-site-packages  let .venv use Python packages installed by apt (e.g. python3-numpy)
#   -h, --help              this text
# PYTHON names the Python to build on (default: python3; 3.11 or newer).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"

dev=0 want_model=1 apt=1 venv_opts=() langs="en"
if [ "$(id -u)" -eq 0 ]; then bin_dir=/usr/local/bin; else bin_dir="$HOME/.local/bin"; fi

note() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }
usage_error() { printf 'setup.sh: %s (see --help)\n' "$*" >&2; exit 2; }

while (($#)); do
  case "$1" in
    --dev) dev=1 ;;
    --no-model) want_model=0 ;;
    --no-apt) apt=0 ;;
    --system-site-packages) venv_opts=(--system-site-packages) ;;
    --lang) (($# > 1)) || usage_error "--lang needs a value"; langs="$2"; shift ;;
    --lang=*) langs="${1#--lang=}" ;;
    --bin-dir) (($# > 1)) || usage_error "--bin-dir needs a value"; bin_dir="$2"; shift ;;
    --bin-dir=*) bin_dir="${1#--bin-dir=}" ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage_error "unknown option $1" ;;
  esac
  shift
done

# Every language asked for must have a language pack (checked before anything is installed).
IFS=', ' read -r -a lang_list <<< "$langs"
for lang in "${lang_list[@]}"; do
  if [[ ! "$lang" =~ ^[a-z]{2,3}$ ]] || [ ! -f "$root/voiceguide/lang/$lang.yaml" ]; then
    packs=()
    for f in "$root"/voiceguide/lang/*.yaml; do packs+=("$(basename "$f" .yaml)"); done
    usage_error "no language pack for '$lang' (there are: ${packs[*]})"
  fi
done
case "$bin_dir" in /*) ;; *) bin_dir="$PWD/$bin_dir" ;; esac

# ---- system packages ----------------------------------------------------------------------------
# What a user needs: Python with venv, espeak-ng (the voice), PortAudio (sound in and out), the ALSA
# plugins that route to the sound server, libsndfile (recorded lines), alsa-utils (alsamixer, aplay -l).
user_packages=(python3 python3-venv espeak-ng libespeak-ng1 libportaudio2 libasound2-plugins libsndfile1 alsa-utils)
# The tests also want: shellcheck and systemd-analyze (the scripts and the unit), strace (the privacy
# test), a PulseAudio daemon they start themselves as a virtual sound card, and a C compiler with the
# Python and kernel headers (the test extras build evdev, which has no wheels).
dev_packages=(shellcheck strace systemd pulseaudio-utils pulseaudio gcc python3-dev linux-libc-dev)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

apt_done="skipped (--no-apt)"
if ((apt)); then
  if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
    apt_done="skipped: no apt-get here"
    note "no apt-get here: install espeak-ng, PortAudio and Python's venv module with your system's tools"
  else
    wanted=("${user_packages[@]}")
    if ((dev)); then
      for p in "${dev_packages[@]}"; do
        # On a desktop whose sound server is PipeWire, installing PulseAudio would fight it.
        if [ "$p" = pulseaudio ] && installed pipewire-pulse && ! installed pulseaudio; then
          note "pulseaudio left out: PipeWire is this system's sound server (the virtual-sound-card tests will skip)"
          continue
        fi
        wanted+=("$p")
      done
    fi
    missing=()
    for p in "${wanted[@]}"; do installed "$p" || missing+=("$p"); done
    if ((${#missing[@]})); then
      sudo=()
      if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "these system packages are missing and there is no sudo: ${missing[*]}"
        sudo=(sudo)
      fi
      note "installing system packages with apt-get: ${missing[*]}"
      "${sudo[@]}" apt-get update -qq
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
      apt_done="installed ${missing[*]}"
    else
      apt_done="all there already"
    fi
  fi
fi

# ---- the virtual environment ----------------------------------------------------------------------
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  venv_done="$venv (there already)"
else
  command -v "$python" >/dev/null || die "no $python here: install Python 3.11 or newer (apt-get install python3 python3-venv)"
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "voiceguide needs Python 3.11 or newer; $python is $("$python" -c 'import sys; print(sys.version.split()[0])')"
  "$python" -c 'import ensurepip, venv' 2>/dev/null \
    || die "$python cannot make a virtual environment: install python3-venv (sudo apt-get install python3-venv)"
  note "making a virtual environment in $venv"
  "$python" -m venv --clear "${venv_opts[@]}" "$venv"
  venv_done="$venv (new)"
fi
py="$venv/bin/python"

# pip runs only when what it installs has changed: the package's metadata, the Python, the extras.
extras=""
((dev)) && extras="test"
key=$(cat "$root/setup.cfg" "$root/pyproject.toml" <("$py" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)
stamp="$venv/.voiceguide-setup"
have_key="" have_extras=""
if [ -f "$stamp" ]; then
  have_key=$(sed -n 's/^key=//p' "$stamp")
  have_extras=$(sed -n 's/^extras=//p' "$stamp")
fi
[ -n "$extras" ] || extras="$have_extras"  # a plain run keeps what an earlier --dev run added
if [ "$have_key" = "$key" ] && [ "$have_extras" = "$extras" ] && "$venv/bin/voiceguide" --version >/dev/null 2>&1; then
  pip_done="there already"
else
  target="$root"
  [ -n "$extras" ] && target="${root}[${extras}]"
  note "installing voiceguide and its Python packages into .venv (a few minutes the first time)"
  "$py" -m pip install -q --disable-pip-version-check -e "$target"
  printf 'key=%s\nextras=%s\n' "$key" "$extras" > "$stamp"
  pip_done="installed"
fi
version=$("$venv/bin/voiceguide" --version 2>/dev/null || echo "voiceguide")

# ---- the command on the PATH ------------------------------------------------------------------------
link="$bin_dir/voiceguide"
exe="$venv/bin/voiceguide"
mkdir -p "$bin_dir"
if [ -L "$link" ] && [ "$(readlink "$link")" = "$exe" ]; then
  link_done="$link (there already)"
elif [ -L "$link" ]; then
  was=$(readlink "$link")
  ln -sfn "$exe" "$link"
  link_done="$link (it pointed to $was)"
elif [ -e "$link" ]; then
  link_done="not made: $link is there and is not a link this script made (remove it, or use $exe)"
else
  ln -s "$exe" "$link"
  link_done="$link (new)"
fi
case ":$PATH:" in
  *":$bin_dir:"*) path_hint="" ;;
  *) if [ "$bin_dir" = "$HOME/.local/bin" ]; then
       path_hint="$bin_dir is on the PATH of shells started after your next login; until then, run: export PATH=\"$bin_dir:\$PATH\""
     else
       path_hint="$bin_dir is not on your PATH: add it, or run $exe"
     fi ;;
esac

# ---- speech models ------------------------------------------------------------------------------
# Whether the model's site can be reached at all, so that an offline install says so in one line.
probe='
import os, socket, sys, urllib.parse, urllib.request
try:
    from voiceguide import models
    url = os.environ.get(models.URL_ENV) or models.OFFICIAL[sys.argv[1]]
    parts = urllib.parse.urlsplit(url)
    proxy = None if urllib.request.proxy_bypass(parts.hostname) else urllib.request.getproxies().get(parts.scheme)
    if proxy:  # the download goes through it, so it is the proxy that must be reachable
        parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    address = (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
except Exception:
    sys.exit(0)  # nothing to probe: the download itself will say what is wrong
try:
    socket.create_connection(address, timeout=10).close()
except OSError:
    sys.exit(1)
'
found='
import sys
from voiceguide import models
found = models.find(sys.argv[1])
if found is None:
    sys.exit(1)
print(found.path)
'
model_done=()
if ((want_model)); then
  for lang in "${lang_list[@]}"; do
    if where=$("$py" -c "$found" "$lang" 2>/dev/null); then
      model_done+=("$lang: $where (there already)")
    elif ! "$py" -c "$probe" "$lang"; then
      note "offline: no speech model for $lang, so voice commands are off until you run: voiceguide model download $lang"
      model_done+=("$lang: not fetched (offline)")
    else
      note "fetching the speech model for $lang"
      if where=$("$exe" model download "$lang"); then
        model_done+=("$lang: $where")
      else
        note "the speech model for $lang could not be fetched now; later, run: voiceguide model download $lang"
        model_done+=("$lang: not fetched")
      fi
    fi
  done
else
  model_done+=("none fetched (--no-model); later: voiceguide model download en")
fi

# ---- what was done --------------------------------------------------------------------------------
{
  echo "setup: done: $version"
  echo "  system packages:  $apt_done"
  echo "  environment:      $venv_done; voiceguide $pip_done${extras:+, with the [$extras] extras}"
  echo "  command:          $link_done"
  for m in "${model_done[@]}"; do echo "  speech model:     $m"; done
  [ -z "$path_hint" ] || echo "  note: $path_hint"
  echo "Try: voiceguide play presence"
  if ((dev)); then echo "Tests: .venv/bin/python -m pytest"; fi
} >&2
