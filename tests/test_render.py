"""`voiceguide render`: the whole session in one WAV, with the script's timings."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from voiceguide.audioout import chime_path, load_clip
from voiceguide.cli import cli
from voiceguide.lang import load_pack
from voiceguide.render import RATE, WAIT_S
from voiceguide.speech import Speech

DATA = Path(__file__).parent / "data"


def seconds_of(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def samples_of(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_render_keeps_the_scripts_timings(tmp_path: Path, scale: float) -> None:
    out = tmp_path / "session.wav"
    result = CliRunner().invoke(cli, ["render", str(DATA / "render.yaml"), "-o", str(out), "--time-scale", str(scale),
                                      "--partner-a", "Sam", "--partner-b", "Alex"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output

    lines = load_pack("en").lines
    speech = Speech("gmw/en-us", 140)
    say = {t: seconds_of(speech.get(t)) for t in
           ["Hello Sam and Alex.", lines.end_early, "When you are ready, say next.", lines.ready, "Now Alex.", "Time is up.",
            lines.closing]}
    speech.close()
    chime = seconds_of(chime_path("start"))
    soft = seconds_of(chime_path("warn"))
    # the script, step by step: what a session must take
    timeline = [
        ("say", say["Hello Sam and Alex."]),
        ("pause", 4 / scale),
        ("guide: how to end a turn early", say[lines.end_early]),
        ("say", say["When you are ready, say next."]),
        ("ready prompt", say[lines.ready]),
        ("wait for next", WAIT_S / scale),
        ("timer", 20 / scale),
        ("end chime", chime),
        ("say", say["Now Alex."]),
        ("timer", 10 / scale),
        ("end text", say["Time is up."]),
        ("clip", soft),
        ("closing", say[lines.closing]),
    ]
    expected = sum(s for _, s in timeline)
    got = seconds_of(out)
    assert abs(got - expected) <= 0.05 * expected, f"{got:.2f}s rendered, {expected:.2f}s expected"

    # the timed turn starts with the bell where the script puts it
    audio = samples_of(out)
    bell = load_clip(chime_path("start"), RATE)[:, 0]
    start = sum(s for _, s in timeline[:6])
    at = int(start * RATE)
    window = audio[at - RATE // 10 : at + RATE // 10 + len(bell) // 4]
    corr = np.correlate(window, bell[: len(bell) // 4], mode="valid")
    corr /= np.linalg.norm(bell[: len(bell) // 4]) * np.sqrt(np.convolve(window**2, np.ones(len(bell) // 4), "valid")) + 1e-9
    assert corr.max() > 0.95, "no start chime where the timed turn begins"
    offset = (np.argmax(corr) - RATE // 10) / RATE
    assert abs(offset) < 0.05, f"start chime {offset * 1000:.0f} ms off"
    # and the pause is silence
    p0 = int((say["Hello Sam and Alex."] + 0.3) * RATE)
    p1 = int((say["Hello Sam and Alex."] + 4 / scale - 0.1) * RATE)
    assert np.abs(audio[p0:p1]).max() < 1e-3


def test_render_writes_nothing_to_stdout_but_reports_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "s.wav"
    result = CliRunner().invoke(cli, ["render", str(DATA / "short.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "wrote" in result.stderr and out.is_file()


def test_render_rejects_a_bad_voice_with_close_matches(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["render", str(DATA / "short.yaml"), "-o", str(tmp_path / "x.wav"),
                                                      "--voice", "en-uss"])
    assert result.exit_code == 2
    assert "unknown voice 'en-uss'" in result.stderr and "en-us" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_timeline_mixes_cuts_and_writes_in_order_across_chunks() -> None:
    from voiceguide.render import CHUNK, Timeline

    class Sink:
        def __init__(self) -> None:
            self.parts: list[np.ndarray] = []

        def write(self, frames: np.ndarray) -> None:
            assert len(frames) <= CHUNK
            self.parts.append(frames.copy())

    sink = Sink()
    line = Timeline(sink, RATE)
    line.place(10, np.full(CHUNK, 0.25, dtype=np.float32))  # crosses a chunk boundary
    line.place(CHUNK - 5, np.full(20, 0.5, dtype=np.float32))  # overlaps it
    line.place(3 * CHUNK, np.full(100, 0.9, dtype=np.float32))  # after a long silence
    line.place(3 * CHUNK + 50, np.full(100, 0.9, dtype=np.float32))  # mixed past full scale: clipped
    line.cut(3 * CHUNK + 60)  # a stop: both sounds end here
    assert line.finish(3 * CHUNK + 80) == 3 * CHUNK + 80
    out = np.concatenate(sink.parts)
    expected = np.zeros(3 * CHUNK + 80, dtype=np.float32)
    expected[10 : 10 + CHUNK] += 0.25
    expected[CHUNK - 5 : CHUNK + 15] += 0.5
    expected[3 * CHUNK : 3 * CHUNK + 60] = 0.9
    expected[3 * CHUNK + 50 : 3 * CHUNK + 60] = 1.0
    assert np.allclose(out, expected)
    assert line.playing == []
