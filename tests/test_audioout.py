"""Audio out on a fake device: interruption measured in audio time, volume, channels, resampling."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import FakeDevice
from voiceguide.audioout import AudioOutput, chime_path, load_clip
from voiceguide.engine import Engine
from voiceguide.events import Chime, Command, PlayClip, PlaybackDone, Speak
from voiceguide.lang import load_pack
from voiceguide.plan import SayStep
from voiceguide.playstate import PlayState
from voiceguide.runner import Bus, RealClock, Runner
from voiceguide.speech import Speech, SpeechCache

RATE = 22050  # the fake device runs at espeak's rate, so heard frames are the WAV's own samples
LIMIT_S = 0.050
LINE = ("Find a comfortable place to sit, close enough to see each other's face. "
        "If your phones are nearby, put them face down, or in another room.")


def wav_samples(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def write_wav(path: Path, samples: np.ndarray, rate: int, channels: int = 1) -> Path:
    pcm = np.round(np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


@pytest.fixture
def speech(tmp_path: Path):
    s = Speech("en-us", 140, cache=SpeechCache(tmp_path / "cache"))
    yield s
    s.close()


def wait_for(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.002)


def continuation_until(heard: np.ndarray, line: np.ndarray, offset: int, since: int, block: int = 64) -> int:
    """The frame (in `heard`) where the line, started at `offset`, was last demonstrably heard
    after frame `since`: the end of the last block in which most of the line's non-zero samples
    came out exactly as in its WAV."""
    last = since
    for start in range(since, len(heard) - block, block):
        i = start - offset
        if i + block > len(line):
            break
        expect = line[i : i + block]
        got = heard[start : start + block]
        loud = expect != 0
        if loud.sum() >= block // 4 and (got[loud] == expect[loud]).mean() > 0.5:
            last = start + block
    return last


@pytest.mark.parametrize("command", ["pause", "stop"])
def test_pause_or_stop_silences_the_line_within_50ms_and_resume_restarts_it(speech: Speech, command: str) -> None:
    pack = load_pack("en")
    line = wav_samples(speech.get(LINE))
    speech.prerender([pack.lines.paused, pack.lines.confirm_stop])
    assert speech.idle(10)
    device = FakeDevice(samplerate=RATE)
    bus = Bus(RealClock())
    playstate = PlayState()
    out = AudioOutput(bus, device, speech, volume=1.0, playstate=playstate)
    engine = Engine((SayStep(LINE), SayStep("Then this.")), pack.lines)
    runner = threading.Thread(target=Runner(engine, bus, out).run, daemon=True)
    runner.start()
    wait_for(lambda: playstate.text == LINE)

    device.pull(1.5)
    heard = device.heard[:, 0]
    nz = np.flatnonzero(heard)
    offset = int(nz[0]) - int(np.flatnonzero(line)[0])  # where the line began in the heard stream
    assert np.array_equal(heard[offset + 100 : len(heard)], line[100 : len(heard) - offset]), "not the line"
    assert offset / RATE < 0.05 + device.latency, "the line started late"

    asked_at = device.frames_heard
    bus.post(Command(command))
    reply = pack.lines.paused if command == "pause" else pack.lines.confirm_stop
    wait_for(lambda: playstate.text == reply)
    device.pull(0.5)
    heard = device.heard[:, 0]
    last = continuation_until(heard, line, offset, since=asked_at - 256)
    assert last > asked_at - 256 - 1
    late = (last - asked_at) / RATE
    assert late <= LIMIT_S, f"the line went on for {late * 1000:.0f} ms after {command}"
    # and it really was the line up to the command (the measure can fail)
    assert continuation_until(heard, line, offset, since=0) >= asked_at - 64

    resumed_at = device.frames_heard
    bus.post(Command("resume"))
    wait_for(lambda: playstate.text == LINE)
    device.pull(1.0)
    heard = device.heard[:, 0]
    lead = int(np.flatnonzero(line)[0])
    after = heard[resumed_at:]
    # the line again from its first sample, within 50 ms plus its own lead-in silence
    starts = [s for s in range(0, int((LIMIT_S + device.latency) * RATE) + lead + 1)
              if np.array_equal(after[s + lead : s + lead + 2000], line[lead : lead + 2000])]
    assert starts, "resume did not restart the line from its beginning"
    assert (starts[0]) / RATE <= LIMIT_S + device.latency
    bus.post(Command("stop"))
    bus.post(Command("stop"))
    runner.join(timeout=0.5)  # the closing line needs audio time; leave the daemon thread be


def test_stop_posts_nothing_and_is_silent(speech: Speech) -> None:
    device = FakeDevice(samplerate=RATE)
    bus = Bus(RealClock())
    playstate = PlayState()
    out = AudioOutput(bus, device, speech, volume=1.0, playstate=playstate)
    out.play(Speak(LINE, 7))
    wait_for(lambda: playstate.busy())
    device.pull(0.8)
    assert np.abs(device.heard).max() > 0.1
    at = device.frames_heard
    out.stop()
    assert not playstate.busy()
    device.pull(1.0)
    after = device.heard[at:]
    loud = np.flatnonzero(np.abs(after).max(axis=1) > 0)
    assert len(loud) == 0 or loud[-1] / RATE <= LIMIT_S
    assert np.all(after[int(LIMIT_S * RATE):] == 0)
    assert bus.queue.empty(), "a stopped sound must not post PlaybackDone"


def test_natural_end_posts_playback_done_and_updates_playstate(speech: Speech) -> None:
    device = FakeDevice(samplerate=RATE)
    bus = Bus(RealClock())
    playstate = PlayState()
    out = AudioOutput(bus, device, speech, playstate=playstate)
    out.play(Chime("warn", 3))
    assert playstate.busy() and playstate.text is None
    seconds = len(load_clip(chime_path("warn"), RATE)) / RATE
    # "done" once the last frame has been heard, not when it left the mixer (a buffer earlier)
    device.pull(seconds - 0.01)
    assert bus.queue.empty() and playstate.busy()
    device.pull(0.06)  # (reported at the end of a device block, a little after the last frame)
    assert bus.queue.get_nowait() == PlaybackDone(3)
    assert not playstate.busy()
    out.close()
    assert device.closed


def test_volume_scales_and_mono_goes_to_every_channel(tmp_path: Path) -> None:
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE)
    clip = write_wav(tmp_path / "tone.wav", tone, RATE)
    device = FakeDevice(samplerate=RATE, channels=2)
    out = AudioOutput(Bus(RealClock()), device, None, volume=0.5)
    out.play(PlayClip(clip, 1))
    heard = device.pull(0.5)
    assert np.allclose(heard[:, 0], heard[:, 1])
    expected = np.round(tone * 32767)[: len(heard)] / 32768.0 * 0.5
    assert np.allclose(heard[:, 0], expected, atol=1e-6)


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".ogg"])
def test_clips_at_another_rate_are_resampled(tmp_path: Path, suffix: str) -> None:
    import soundfile

    tone = 0.4 * np.sin(2 * np.pi * 1000 * np.arange(8000) / 8000.0)  # 1 s at 8 kHz
    path = tmp_path / f"tone{suffix}"
    soundfile.write(str(path), tone, 8000)
    device = FakeDevice(samplerate=48000, channels=1)
    bus = Bus(RealClock())
    out = AudioOutput(bus, device, None)
    out.play(PlayClip(path, 1))
    heard = device.pull(1.2)[:, 0]
    loud = np.flatnonzero(np.abs(heard) > 0.01)
    assert abs((loud[-1] - loud[0]) / 48000 - 1.0) < 0.01  # still one second long
    spectrum = np.abs(np.fft.rfft(heard[4800:43200]))
    peak_hz = np.argmax(spectrum) * 48000 / len(heard[4800:43200])
    assert abs(peak_hz - 1000) < 5
    assert bus.queue.get(timeout=1) == PlaybackDone(1)


def test_a_vanished_recording_falls_back_to_synthesis_with_one_message(speech: Speech, tmp_path: Path) -> None:
    messages: list[str] = []
    device = FakeDevice(samplerate=RATE)
    bus = Bus(RealClock())
    playstate = PlayState()
    out = AudioOutput(bus, device, speech, playstate=playstate, warn=messages.append)
    gone = tmp_path / "gone.wav"
    for token in (1, 2):
        out.play(Speak("Hello.", token, audio=gone))
        wait_for(lambda: playstate.busy())
        device.pull(2.0)
        assert bus.queue.get(timeout=1) == PlaybackDone(token)
    assert len(messages) == 1 and "gone.wav" in messages[0]
    assert np.abs(device.heard).max() > 0.1


def test_an_unreadable_clip_is_reported_and_the_session_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav")
    messages: list[str] = []
    bus = Bus(RealClock())
    out = AudioOutput(bus, FakeDevice(samplerate=RATE), None, warn=messages.append)
    out.play(PlayClip(bad, 5))
    assert bus.queue.get(timeout=1) == PlaybackDone(5)
    assert messages and "bad.wav" in messages[0]


def test_two_sounds_started_together_are_both_heard_whole(tmp_path: Path) -> None:
    rate = RATE
    a = write_wav(tmp_path / "a.wav", 0.3 * np.ones(rate // 2), rate)
    b = write_wav(tmp_path / "b.wav", 0.2 * np.ones(rate // 2), rate)
    device = FakeDevice(samplerate=rate, channels=1)
    bus = Bus(RealClock())
    out = AudioOutput(bus, device, None, volume=1.0)
    device.pull(0.5)  # a while of silence first
    out.play(PlayClip(a, 1))
    out.play(PlayClip(b, 2))
    heard = device.pull(1.0)[:, 0]
    # the first starts at once; the second joins it behind what was already buffered
    assert np.allclose(heard[:100], 0.3, atol=1e-3)
    joined = int(np.flatnonzero(np.abs(heard - 0.5) < 1e-3)[0])
    assert joined <= (device.buffered_blocks + 1) * device.blocksize
    # and neither lost a frame
    assert abs(heard.sum() - (0.3 + 0.2) * (rate // 2)) < 5
    device.pull(0.3)
    assert {bus.queue.get_nowait(), bus.queue.get_nowait()} == {PlaybackDone(1), PlaybackDone(2)}
