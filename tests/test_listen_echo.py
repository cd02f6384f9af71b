"""Taking the guide's voice out of the microphone: the reference timeline, and the canceller on a
simulated room (the guide's espeak-ng speech, delayed, quieter and with a reflection, under a word
said over it)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.fakes import PlayedAhead
from tests.listen_real import corpus
from voiceguide.listen.echo import (
    FRAME,
    RATE,
    EchoCancelledSource,
    EchoCanceller,
    EchoReference,
)


def db(x: np.ndarray) -> float:
    x = x.astype(np.float64)
    return 10 * np.log10(np.mean(x * x) + 1e-9)


def tone(seconds: float, rate: int, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def push_all(ref: EchoReference, sound: np.ndarray, rate: int, at: float, block: int = 512) -> None:
    ref.wanted = True  # as a canceller sets it
    for i in range(0, len(sound), block):
        ref.push(at + i / rate, sound[i:i + block, None].repeat(2, axis=1), rate)  # a stereo card


def test_the_reference_gives_back_what_played_when_at_16_khz() -> None:
    ref = EchoReference()
    push_all(ref, tone(1.0, 48000), 48000, at=100.0)
    got = ref.read(100.5, 1600)
    want = tone(1.0, RATE)[8000:9600]
    lag = int(np.argmax(np.correlate(got, want, "full"))) - (len(want) - 1)
    assert abs(lag) <= 16  # within a millisecond (the resampler's own delay)
    assert db(got) == pytest.approx(db(want), abs=0.5)


def test_before_and_after_what_played_is_silence() -> None:
    ref = EchoReference()
    assert not ref.read(5.0, 160).any()  # nothing played yet
    push_all(ref, tone(0.5, RATE), RATE, at=10.0)
    assert not ref.read(9.0, 160).any()
    assert not ref.read(11.0, 160).any()
    assert ref.last_sound == pytest.approx(10.5, abs=0.05)


def test_with_no_canceller_reading_it_the_reference_takes_no_work() -> None:
    ref = EchoReference()
    ref.push(10.0, tone(0.5, RATE)[:, None], RATE)
    assert not ref.read(10.1, 160).any() and ref.last_sound == float("-inf")


def test_a_flush_cuts_what_was_buffered_but_never_heard() -> None:
    ref = EchoReference()
    push_all(ref, tone(1.0, RATE), RATE, at=10.0)  # queued up to 11.0
    push_all(ref, np.zeros(RATE // 2, dtype=np.float32), RATE, at=10.4)  # flushed at 10.4: silence from then on
    assert ref.read(10.2, 160).any()
    assert not ref.read(10.6, 160).any()


def test_a_gap_between_sounds_is_silence() -> None:
    ref = EchoReference()
    push_all(ref, tone(0.5, RATE), RATE, at=10.0)
    push_all(ref, tone(0.5, RATE), RATE, at=10.8)
    assert not ref.read(10.6, 160).any()
    assert ref.read(10.85, 160).any()
    got, want = ref.read(10.1, 1600), tone(0.5, RATE)[1600:3200]  # the first sound stays where it was
    assert np.corrcoef(got, want)[0, 1] > 0.99


def test_hours_of_sound_keep_the_last_seconds_exactly() -> None:
    """The reference is a ring: reads across its wrap, a flush after it has wrapped many times, and a
    gap longer than the ring all give the sound that played then (or silence)."""
    ref = EchoReference(keep_s=1.0)
    ramp = (np.arange(int(3.3 * RATE)) % 10007 / 10007).astype(np.float32)  # every sample tells its place
    push_all(ref, ramp, RATE, at=10.0, block=333)
    for at in (12.35, 12.9, 13.2):  # wherever the ring's end falls, the samples come back in order
        i = round((at - 10.0) * RATE)
        assert np.array_equal(ref.read(at, 800)[: len(ramp) - i], ramp[i:i + 800])
    assert not ref.read(12.0, 160).any()  # longer ago than the ring keeps
    push_all(ref, ramp[:1600], RATE, at=13.1)  # flushed at 13.1
    assert np.array_equal(ref.read(13.0, 3200), np.concatenate([ramp[48000:49600], ramp[:1600]]))
    push_all(ref, ramp[:1600], RATE, at=20.0)  # after a gap longer than the ring
    assert not ref.read(19.0, 1600).any()
    assert np.array_equal(ref.read(20.0, 1600), ramp[:1600])


@pytest.fixture(scope="module")
def room() -> dict[str, np.ndarray]:
    """12 s of the guide talking, as played and as the mic hears it (60 ms later, at -8 dB, with a
    reflection), and a word said over it at 9 s."""
    pytest.importorskip("livekit.rtc", reason="livekit (echo cancellation) is not installed")
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (CI installs it)")
    line = "잠시 눈을 감고 오늘 하루를 떠올려 보세요. 천천히 숨을 쉬면서 서로의 목소리에 귀를 기울여요. "
    guide = corpus.synth(line * 2, "ko", 160).audio.astype(np.float32)
    guide = np.tile(guide, 3)[: 12 * RATE] / 32768.0
    echo = corpus.room(guide, delay_s=0.06, gain=0.4, reflection_s=0.07875, reflection_gain=0.12)
    word = corpus.synth("멈춰", "ko+f3", 160).audio.astype(np.float32) / 32768.0
    at = 9 * RATE
    mic = echo.copy()
    mic[at:at + len(word)] += word
    mic += np.random.default_rng(1).normal(0, 1e-3, len(mic)).astype(np.float32)
    return {"guide": guide, "echo": echo, "mic": (mic * 32767).astype(np.int16),
            "word": word, "at": np.array([at])}


def cancel(room: dict[str, np.ndarray], block_s: float = 0.05) -> np.ndarray:
    """The guide's sound is pushed as the card takes it (0.1 s before it is heard) while the mic's
    blocks are cancelled as they come."""
    ref = EchoReference()
    canceller = EchoCanceller(ref)
    played = PlayedAhead(room["guide"], ref, RATE)
    mic, n = room["mic"], int(block_s * RATE)
    return np.concatenate([canceller(mic[i:i + n], played.heard(len(mic[i:i + n]))) for i in range(0, len(mic), n)])


def test_the_guides_voice_is_taken_out_of_the_mic(room: dict[str, np.ndarray]) -> None:
    out = cancel(room)
    at = int(room["at"][0])
    before = slice(at - 3 * RATE, at)  # guide only, after a few seconds to learn the room
    assert db(out[before]) <= db(room["mic"][before]) - 20


def test_a_word_said_over_the_guide_comes_through(room: dict[str, np.ndarray]) -> None:
    out = cancel(room)
    at, word = int(room["at"][0]), room["word"]
    span = slice(at, at + len(word))
    assert db(out[span]) == pytest.approx(db(word * 32767), abs=3.0)


def test_a_mic_that_does_not_hear_the_guide_passes_untouched(room: dict[str, np.ndarray]) -> None:
    """Headphones, or a speaker far away: the guide plays, the mic hears only the couple."""
    at, word = int(room["at"][0]), room["word"]
    quiet = np.random.default_rng(3).normal(0, 30, len(room["mic"]))
    quiet[at:at + len(word)] += word * 32767
    no_echo = dict(room, mic=np.clip(quiet, -32768, 32767).astype(np.int16))
    out = cancel(no_echo)
    assert np.array_equal(out, no_echo["mic"][: len(out)])


def test_blocks_of_any_size_come_out_whole_frames_and_nothing_is_lost(room: dict[str, np.ndarray]) -> None:
    out = cancel(room, block_s=0.0123)
    assert len(out) % FRAME == 0
    assert len(room["mic"]) - FRAME < len(out) <= len(room["mic"])


def test_with_the_guide_silent_the_mic_passes_untouched() -> None:
    pytest.importorskip("livekit.rtc", reason="livekit (echo cancellation) is not installed")
    canceller = EchoCanceller(EchoReference())
    x = np.random.default_rng(2).integers(-3000, 3000, 1600).astype(np.int16)
    assert np.array_equal(canceller(x, 100.0), x)


class StampedMic:
    """A live mic at 44.1 kHz that says when each block arrived, like MicSource."""

    live = True
    name = "stamped"
    rate = 44100
    arrived = 0.0

    def start(self, put) -> None:  # type: ignore[no-untyped-def]
        for k in range(20):
            self.arrived = 200.0 + (k + 1) * 0.05
            put(np.full(2205, 1000, dtype=np.int16).tobytes())
        put(None)

    def stop(self) -> None:
        pass


def test_a_mic_that_does_not_hear_the_guide_comes_through_as_it_came() -> None:
    pytest.importorskip("livekit.rtc", reason="livekit (echo cancellation) is not installed")
    got: list[bytes | None] = []
    mic = StampedMic()
    source = EchoCancelledSource(mic, EchoReference())
    assert source.rate == mic.rate and source.live
    source.start(got.append)
    assert got[-1] is None
    assert got[:-1] == [np.full(2205, 1000, dtype=np.int16).tobytes()] * 20
