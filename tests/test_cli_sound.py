"""The speech and audio commands: say, devices, config, and play's audio options and errors."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.pulse import VirtualSoundCard
from voiceguide.cli import cli

DATA = Path(__file__).parent / "data"


def voiceguide(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """In a subprocess: PortAudio must meet the environment it is given at its first start."""
    return subprocess.run([sys.executable, "-m", "voiceguide", *args], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)


@pytest.fixture
def no_sound_env(tmp_path: Path) -> dict[str, str]:
    """An environment in which no sound server can be reached."""
    import os

    env = dict(os.environ)
    (tmp_path / "home").mkdir()
    (tmp_path / "run").mkdir(mode=0o700)
    env.update(HOME=str(tmp_path / "home"), XDG_RUNTIME_DIR=str(tmp_path / "run"),
               PULSE_SERVER=f"unix:{tmp_path}/run/nothing-here")
    listed = voiceguide("devices", "--json", env=env)
    if json.loads(listed.stdout or "[]"):
        pytest.skip("this machine has a real sound card, so 'no device' cannot be shown here")
    return env


@pytest.mark.parametrize("args, way_round", [(["play", str(DATA / "short.yaml")], "--text"),
                                             (["say", "Hello."], "say -o FILE")])
def test_no_sound_device_is_one_clear_line(no_sound_env: dict[str, str], args: list[str], way_round: str) -> None:
    result = voiceguide(*args, env=no_sound_env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no sound output device" in lines[0] and way_round in lines[0] and "voiceguide devices" in lines[0]
    assert result.stdout == ""


def test_text_mode_needs_no_sound_device(no_sound_env: dict[str, str]) -> None:
    result = voiceguide("play", str(DATA / "short.yaml"), "--text", "--time-scale", "100", env=no_sound_env)
    assert result.returncode == 0, result.stderr
    assert "Hello Partner A and Partner B." in result.stdout


def test_devices_lists_the_virtual_speaker(pulse: VirtualSoundCard) -> None:
    result = voiceguide("devices", env=pulse.env)
    assert result.returncode == 0, result.stderr
    assert any(line.startswith(">") for line in result.stdout.splitlines()), result.stdout
    as_json = json.loads(voiceguide("devices", "--json", env=pulse.env).stdout)
    assert any(d["default_output"] and d["max_output_channels"] > 0 for d in as_json)


def test_an_unknown_output_device_is_named(pulse: VirtualSoundCard) -> None:
    result = voiceguide("say", "Hello.", "--output-device", "no-such-card", env=pulse.env)
    assert result.returncode == 1
    assert "no output device 'no-such-card'" in result.stderr and "voiceguide devices" in result.stderr
    assert "Traceback" not in result.stderr


def test_say_plays_through_the_speaker(pulse: VirtualSoundCard) -> None:
    import numpy as np

    recorder = pulse.record()
    result = voiceguide("say", "Hello there.", "--volume", "0.5", env=pulse.env)
    audio = recorder.stop()
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert np.abs(audio).max() > 0.05, "nothing was heard"


def test_say_writes_a_wav_and_lists_voices(tmp_path: Path) -> None:
    out = tmp_path / "hello.wav"
    result = CliRunner().invoke(cli, ["say", "Hello.", "-o", str(out), "--voice", "en-gb-x-rp", "--rate", "120"])
    assert result.exit_code == 0, result.output
    with wave.open(str(out)) as w:
        assert w.getnframes() / w.getframerate() > 0.3
    listed = CliRunner().invoke(cli, ["say", "--list-voices"])
    assert "gmw/en-us" in listed.stdout and "English (America)" in listed.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["say", "Hi", "--voice", "en-uss"], "unknown voice 'en-uss'; did you mean en-us"),
        (["say", "Hi", "--volume", "1.5"], "volume 1.5 is out of range"),
        (["say", "Hi", "--rate", "20"], "rate 20 is out of range"),
        (["play", "presence", "--voice", "vulcan"], "unknown voice 'vulcan'"),
    ],
)
def test_bad_voice_settings_are_bad_input(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_config_shows_the_path_values_and_where_they_come_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('rate = 120\nvoice = "en-gb-x-rp"\n')
    monkeypatch.setenv("VOICEGUIDE_CONFIG", str(path))
    monkeypatch.setenv("VOICEGUIDE_VOLUME", "0.5")
    result = CliRunner().invoke(cli, ["config"])
    assert result.exit_code == 0, result.output
    assert str(path) in result.stdout
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert rows["rate"][1:] == ["120", "config", "file"]
    assert rows["volume"][1:] == ["0.5", "environment"]
    assert rows["partner-a"][-1] == "default"
    data = json.loads(CliRunner().invoke(cli, ["config", "--json"]).stdout)
    assert data["path"] == str(path) and data["exists"] is True
    assert data["values"]["voice"] == "en-gb-x-rp" and data["sources"]["voice"] == "config file"
    example = CliRunner().invoke(cli, ["config", "--example"]).stdout
    import tomllib

    assert tomllib.loads(example)["rate"] == 140
