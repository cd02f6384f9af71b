"""Audio in that is not what it claims, and worker threads that fail: each ends in a message."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tests.fakes import FakeRecognizer, FakeSource
from voiceguide.errors import BadInput, VoiceguideError
from voiceguide.lang import load_pack
from voiceguide.listen.accept import Acceptor
from voiceguide.listen.listener import Listener
from voiceguide.listen.source import WavSource

KO = load_pack("ko")
MIN_RATE, MAX_RATE = 8_000, 192_000  # what a recording may have


def blocks(source: WavSource) -> bytes:
    got: list[bytes] = []
    done = threading.Event()

    def put(pcm: bytes | None) -> None:
        if pcm is None:
            done.set()
        else:
            got.append(pcm)

    source.start(put)
    assert done.wait(10)
    assert getattr(source, "error", None) is None
    return b"".join(got)


def tone(seconds: float = 0.5, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


@pytest.mark.parametrize("subtype", ["FLOAT", "DOUBLE", "PCM_24", "PCM_32"])
def test_every_sample_format_arrives_as_the_same_16_bit_sound(tmp_path: Path, subtype: str) -> None:
    """32-bit float WAVs came through as silence: libsndfile reads floats as whole numbers."""
    reference, other = tmp_path / "ref.wav", tmp_path / f"{subtype}.wav"
    soundfile.write(reference, tone(), 16000, subtype="PCM_16")
    soundfile.write(other, tone(), 16000, subtype=subtype)
    want = np.frombuffer(blocks(WavSource(reference, realtime=False)), dtype=np.int16)
    got = np.frombuffer(blocks(WavSource(other, realtime=False)), dtype=np.int16)
    assert np.abs(got).max() > 10000
    assert len(got) == len(want) and np.abs(got.astype(int) - want).max() <= 1


@pytest.mark.parametrize("rate", [300, MIN_RATE - 1, MAX_RATE + 1, 2_147_483_647])
def test_a_wav_at_an_absurd_rate_is_refused_before_anything_loads(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "odd.wav"
    soundfile.write(path, tone(0.05, 1000), rate, subtype="PCM_16")
    with pytest.raises(BadInput, match=f"sample rate, {rate} Hz, is outside {MIN_RATE} to {MAX_RATE} Hz"):
        WavSource(path)


@pytest.mark.parametrize("rate", [MIN_RATE, MAX_RATE])
def test_the_ends_of_the_rate_range_are_taken(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "edge.wav"
    soundfile.write(path, tone(0.1, rate), rate, subtype="PCM_16")
    assert WavSource(path).rate == rate


def damaged_flac(folder: Path) -> Path:
    """Ten seconds of noise as FLAC with 2000 bytes in its middle scrambled: it opens, and breaks
    while it is read."""
    good = folder / "good.flac"
    soundfile.write(good, (np.random.default_rng(0).standard_normal(160000) * 0.1).astype(np.float32), 16000,
                    format="FLAC")
    data = bytearray(good.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2000] = bytes((b * 7 + 3) & 255 for b in data[middle : middle + 2000])
    bad = folder / "bad.flac"
    bad.write_bytes(data)
    return bad

def test_a_file_that_breaks_while_it_is_read_is_an_error_not_an_end(tmp_path: Path) -> None:
    """A FLAC damaged in the middle: the reading thread died with a traceback, and the listener took
    the end of the stream for the end of the file."""
    bad = damaged_flac(tmp_path)
    errors: list[VoiceguideError] = []
    listener = Listener(WavSource(bad, realtime=False), lambda rate: FakeRecognizer([], rate), Acceptor(KO.commands),
                        lambda d: None, on_error=errors.append, highpass=False, denoise=False)
    listener.start()
    assert listener.wait(10)
    assert isinstance(listener.error, VoiceguideError)
    assert "lost sync" in str(listener.error)
    assert errors == [listener.error]


class BrokenRecognizer(FakeRecognizer):
    def feed(self, pcm: bytes):  # type: ignore[no-untyped-def]
        if self.samples > 16000:
            raise RuntimeError("the recogniser broke")
        return super().feed(pcm)


def test_a_listener_thread_that_fails_reports_it_instead_of_dying(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anything the listening thread raises (not only VoiceguideError) ends it with `error` set and
    `on_error` called, the way a session learns it must go on with the keys; nothing is left to
    threading's excepthook (half a stack trace on stderr, and the command exiting 0)."""
    uncaught: list[object] = []
    monkeypatch.setattr(threading, "excepthook", uncaught.append)
    errors: list[VoiceguideError] = []
    listener = Listener(FakeSource([], 3.0), lambda rate: BrokenRecognizer([], rate), Acceptor(KO.commands),
                        lambda d: None, on_error=errors.append, highpass=False, denoise=False)
    listener.start()
    assert listener.wait(10)
    assert uncaught == []
    assert str(listener.error) == "listening stopped: RuntimeError: the recogniser broke"
    assert errors == [listener.error]


def test_a_recogniser_that_cannot_be_made_is_reported_too(monkeypatch: pytest.MonkeyPatch) -> None:
    uncaught: list[object] = []
    monkeypatch.setattr(threading, "excepthook", uncaught.append)

    def make(rate: int) -> FakeRecognizer:
        raise ValueError("no recogniser at this rate")

    listener = Listener(FakeSource([], 1.0), make, Acceptor(KO.commands), lambda d: None)
    listener.start()
    assert listener.wait(10)
    assert uncaught == []
    assert "no recogniser at this rate" in str(listener.error)


def test_a_session_whose_listener_dies_says_so_and_goes_on_with_the_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """play's listener thread died silently on anything but a VoiceguideError: the couple went on
    talking to a guide that no longer heard them. Now it is said (aloud and on stderr), once."""
    from voiceguide.events import Announce
    from voiceguide.runner import Bus, RealClock
    from voiceguide.session import SessionParts, attach_listener
    from voiceguide.settings import Settings

    uncaught: list[object] = []
    monkeypatch.setattr(threading, "excepthook", uncaught.append)
    monkeypatch.setattr("voiceguide.listen.build.recognizer_factory",
                        lambda pack, path: (lambda rate: BrokenRecognizer([], rate)))
    bus = Bus(RealClock())
    parts = SessionParts(None, KO, (), None, bus, None)  # type: ignore[arg-type]
    said: list[str] = []
    listener = attach_listener(parts, Settings(model=__file__), source=FakeSource([], 3.0), warn=said.append)
    assert listener and listener.wait(10)
    parts.closers[-1]()
    assert uncaught == []
    assert len(said) == 1 and "listening stopped: RuntimeError: the recogniser broke" in said[0]
    assert isinstance(bus.queue.get(timeout=1), Announce)
