"""`voiceguide buttons`, and `play` with a button that is not there."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from tests.fakes import FakeButtonSource
from voiceguide.button import sources
from voiceguide.cli import cli


def test_buttons_lists_devices_with_their_keys(monkeypatch):
    many = [f"KEY_{i}" for i in range(100)]
    monkeypatch.setattr(sources, "list_devices", lambda root=sources.INPUT_DIR: [
        ("/dev/input/event5", "Logitech USB Receiver", ["KEY_ESC", "KEY_B", "KEY_F5", "KEY_PAGEUP", "KEY_PAGEDOWN"]),
        ("/dev/input/event2", "AT Translated Set 2 keyboard", many)])
    result = CliRunner().invoke(cli, ["buttons", "--list"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "/dev/input/event5\tLogitech USB Receiver\tESC, B, F5, PAGEUP, PAGEDOWN",
        "/dev/input/event2\tAT Translated Set 2 keyboard\ta keyboard (100 keys)"]


def test_buttons_shows_each_press_live_with_its_meaning(monkeypatch):
    monkeypatch.setattr(sources, "list_devices", lambda root=sources.INPUT_DIR: [])
    monkeypatch.setattr(sources, "unreadable", lambda root=sources.INPUT_DIR: [])
    fake = FakeButtonSource(["short", "long", "double", "previous"])
    monkeypatch.setattr(sources, "KeyDeviceSource", lambda spec: fake)
    result = CliRunner().invoke(cli, ["buttons", "--device", "Presenter", "--seconds", "4"])
    assert result.exit_code == 0, result.output
    assert fake.done
    assert result.stdout.splitlines() == [
        "short press\tsession: next (resume while paused)\tmenu: take the exercise on offer (begin it once named)",
        "long press\tsession: pause / resume\tmenu: offer the next exercise",
        "double press\tsession: repeat\tmenu: repeat",
        "previous press\tsession: back\tmenu: back",
    ]
    assert "no input device that sends keys was found" in result.stderr


def test_buttons_without_a_button_configured_says_how_to_name_one(monkeypatch):
    monkeypatch.setattr(sources, "list_devices", lambda root=sources.INPUT_DIR: [])
    monkeypatch.setattr(sources, "unreadable", lambda root=sources.INPUT_DIR: ["/dev/input/event0"])
    result = CliRunner().invoke(cli, ["buttons"])
    assert result.exit_code == 0
    assert "1 cannot be read: add the user to the 'input' group" in result.stderr
    assert "give --device or --gpio" in result.stderr


def test_buttons_runs_as_a_process_and_a_pin_without_gpio_is_exit_1_with_one_line():
    listed = subprocess.run([sys.executable, "-m", "voiceguide", "buttons", "--list"], capture_output=True, text=True,
                            timeout=60)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    pin = subprocess.run([sys.executable, "-m", "voiceguide", "buttons", "--gpio", "17", "--seconds", "1"],
                         capture_output=True, text=True, timeout=60)
    if pin.returncode == 0:  # a machine with real GPIO pins
        return
    assert pin.returncode == 1 and "Traceback" not in pin.stderr
    assert [line for line in pin.stderr.splitlines() if "GPIO pin 17" in line] and "warn" not in pin.stderr.lower()


def test_play_with_a_missing_button_warns_once_and_goes_on_with_the_keys(tmp_path):
    env = {"VOICEGUIDE_BUTTON_DEVICE": "No Such Clicker", "VOICEGUIDE_BUTTON_GPIO": "17"}
    import os

    proc = subprocess.run([sys.executable, "-m", "voiceguide", "play", "presence", "--text", "--time-scale", "1000"],
                          input="next\n" * 40, capture_output=True, text=True, timeout=60, env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "session completed" in proc.stderr
    assert len([line for line in proc.stderr.splitlines() if "No Such Clicker" in line]) == 1
    assert len([line for line in proc.stderr.splitlines() if "GPIO pin 17" in line]) <= 1
    assert "Traceback" not in proc.stderr


def test_gpiozero_and_evdev_are_imported_only_when_a_button_is_opened():
    probe = ("import sys; from click.testing import CliRunner; from voiceguide.cli import cli; "
             "from voiceguide.settings import build_settings; build_settings({'button_gpio': '17'}); "
             "[CliRunner().invoke(cli, args) for args in (['--help'], ['list'], ['buttons', '--help'], ['config'])]; "
             "print(sorted({'gpiozero', 'evdev', 'lgpio'} & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
