"""Hostile device and voice names: numbers too large for PortAudio, escapes, paths and long
strings end in one clean message (our words, pointing to where the real names are listed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.conftest import run_cli

DATA = Path(__file__).resolve().parents[1] / "data"
HUGE = "9" * 30


@pytest.mark.parametrize("device", [HUGE, "2147483648", "-7", "\x1b[31mred", "../../dev/dsp"],
                         ids=["huge", "int32", "negative", "escape", "path"])
def test_an_output_device_name_never_breaks_say(device: str, sentinel: Path) -> None:
    ran = run_cli("say", "hello", "--output-device", device, cwd=sentinel)
    assert ran.returncode == 1, ran.stderr
    [line] = ran.stderr.strip().splitlines()
    assert "voiceguide devices" in line and "\x1b" not in line


@pytest.mark.parametrize("device", [HUGE, "2147483648", "-7"], ids=["huge", "int32", "negative"])
def test_an_input_device_name_never_breaks_listen_or_a_session(device: str, sentinel: Path) -> None:
    ran = run_cli("listen", "--lang", "ko", "--input-device", device, cwd=sentinel)
    assert ran.returncode == 1
    assert "voiceguide devices" in ran.stderr and "Error querying" not in ran.stderr
    ran = run_cli("play", str(DATA / "ko-short.yaml"), "--text", "--listen", "--time-scale", "100",
                  "--input-device", device, cwd=sentinel)
    assert ran.returncode == 0, ran.stderr
    assert "voiceguide devices" in ran.stderr


@pytest.mark.parametrize("voice", ["x" * 50_000, "en-" * 5000, "../../../etc/passwd", "\x1b[2J", "en+", "en+../../x",
                                   "+f3", "gmw/", "-", "en--gb"],
                         ids=["long", "long-code", "path", "escape", "plus", "plus-path", "variant-only", "slash",
                              "dash", "double-dash"])
def test_a_voice_name_is_refused_cleanly(voice: str, sentinel: Path) -> None:
    ran = run_cli("say", "hello", "--voice", voice, "-o", str(sentinel / "never.wav"), timeout=30)
    assert ran.returncode == 2, ran.stderr
    [line] = ran.stderr.strip().splitlines()
    assert line.startswith("voiceguide: unknown voice") and "\x1b" not in line
    assert len(line) < 400  # a long name is cut short, not repeated whole
