"""Hostile button settings: paths that are not input devices, names and mappings that would drive
the terminal, pins that are not pins. Each is one clean line and an exit code, nothing is opened or
touched outside voiceguide's folders, and nothing hangs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile.conftest import run_cli


def only_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "\x1b" not in stderr and "\x07" not in stderr, repr(stderr)
    return lines[0]


def test_a_regular_file_as_the_button_device_is_refused_before_it_is_opened(sentinel: Path):
    ran = run_cli("play", "presence", "--text", env={"VOICEGUIDE_BUTTON_DEVICE": str(sentinel / "keep.txt")})
    assert ran.returncode == 2
    assert "not in /dev/input" in only_line(ran.stderr)


def test_a_fifo_as_the_button_device_neither_hangs_nor_is_opened(tmp_path: Path, sentinel: Path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    ran = run_cli("buttons", "--device", str(fifo), "--seconds", "1", timeout=20)
    assert ran.returncode == 2 and "not in /dev/input" in only_line(ran.stderr)


@pytest.mark.parametrize("path", ["/dev/input/../../etc/passwd", "/dev/watchdog", "../../../../../../../../../../etc/shadow", "/proc/self/fd/0"])
def test_paths_that_leave_the_input_devices_are_bad_input(path: str, sentinel: Path):
    ran = run_cli("buttons", "--device", path, "--seconds", "1", timeout=20)
    assert ran.returncode == 2
    only_line(ran.stderr)


@pytest.mark.parametrize("key,value", [
    ("VOICEGUIDE_BUTTON_DEVICE", "Clicker\x1b]0;pwned\x07\x1b[2J"),
    ("VOICEGUIDE_BUTTON_DEVICE", "x" * 5000),
    ("VOICEGUIDE_BUTTON_MAP", "short=\x1b[31mstop"),
    ("VOICEGUIDE_BUTTON_MAP", "menu.\x1b[2J=next"),
    ("VOICEGUIDE_BUTTON_GPIO", "17; rm -rf ~"),
    ("VOICEGUIDE_BUTTON_GPIO", "\x1b[2J17"),
    ("VOICEGUIDE_BUTTON_PULL", "\x1b[2J"),
])
def test_settings_that_would_drive_the_terminal_or_are_not_values_are_one_clean_line(key: str, value: str, sentinel: Path):
    ran = run_cli("play", "presence", "--text", env={key: value})
    assert ran.returncode == 2
    assert len(only_line(ran.stderr)) < 400


@pytest.mark.parametrize("toml", ["button-gpio = true", "button-gpio = [17, 18]", "button-gpio = 17.5",
                                  "button-map = 3", "button-device = \"\""])
def test_wrong_types_in_the_config_file_are_bad_input(toml: str, tmp_path: Path, sentinel: Path):
    config = tmp_path / "config.toml"
    config.write_text(toml + "\n")
    ran = run_cli("play", "presence", "--text", env={"VOICEGUIDE_CONFIG": str(config)})
    assert ran.returncode == 2, ran.stderr
    only_line(ran.stderr)


def test_a_device_name_nobody_has_is_one_warning_and_the_session_goes_on(sentinel: Path):
    ran = run_cli("play", "presence", "--text", "--time-scale", "1000", input="next\n" * 40,
                  env={"VOICEGUIDE_BUTTON_DEVICE": "Ghost Pedal"})
    assert ran.returncode == 0
    assert len([line for line in ran.stderr.splitlines() if "Ghost Pedal" in line]) == 1
