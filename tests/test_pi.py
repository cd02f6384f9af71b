"""The Raspberry Pi install script and its systemd unit."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [ROOT / "scripts" / "install-pi.sh", ROOT / "scripts" / "setup.sh", ROOT / ".ci" / "run"]
UNIT = ROOT / "scripts" / "voiceguide.service"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shell_scripts_parse(script):
    subprocess.run(["bash", "-n", str(script)], check=True)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shell_scripts_pass_shellcheck(script):
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (scripts/setup.sh installs it on Debian)")
    result = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_install_script_help():
    result = subprocess.run(["bash", str(SCRIPTS[0]), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "voiceguide menu" in result.stdout


def test_the_unit_starts_the_menu_in_kiosk_mode_and_restarts_on_failure():
    text = UNIT.read_text()
    assert "ExecStart=%h/.local/share/voiceguide/venv/bin/voiceguide menu --loop" in text
    assert "Restart=on-failure" in text
    assert "ExecStartPre=" in text and "arecord -l" in text  # waits for the sound devices
    assert "WantedBy=default.target" in text


def test_systemd_analyze_verifies_the_unit(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not available on this machine")
    home = tmp_path / "home"
    exe = home / ".local/share/voiceguide/venv/bin/voiceguide"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
    env.pop("XDG_CONFIG_HOME", None)
    result = subprocess.run(["systemd-analyze", "verify", "--user", str(UNIT)], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr


def test_the_unit_reads_the_button_settings_that_the_install_script_writes():
    unit = UNIT.read_text()
    script = SCRIPTS[0].read_text()
    assert "EnvironmentFile=-%E/voiceguide/service.env" in unit  # %E: the user's config folder
    assert '/voiceguide/service.env"' in script and "VOICEGUIDE_BUTTON_GPIO" in script and "VOICEGUIDE_BUTTON_DEVICE" in script
    assert '"${here}[button]"' in script  # gpiozero and evdev in the service's environment
