"""Speech rendering with the real pyttsx3 + espeak-ng, and its cache."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from voiceguide.errors import BadInput
from voiceguide.lang import load_pack
from voiceguide.plan import Names, build_plan
from voiceguide.script.load import load
from voiceguide.speech import Speech, SpeechCache, resolve_voice, session_texts

DATA = Path(__file__).parent / "data"


def read_wav(path: Path) -> tuple[int, int, int, np.ndarray]:
    with wave.open(str(path)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), frames


@pytest.fixture
def speech(tmp_path: Path):
    s = Speech("en-us", 140, cache=SpeechCache(tmp_path / "cache"))
    yield s
    s.close()


def test_rendered_line_is_mono_16_bit_speech(speech: Speech) -> None:
    rate, channels, width, frames = read_wav(speech.get("Take a slow breath together."))
    assert (rate, channels, width) == (22050, 1, 2)
    seconds = len(frames) / rate
    assert 1.0 < seconds < 4.0
    rms = np.sqrt(np.mean((frames / 32768.0) ** 2))
    assert rms > 0.02, "the line is (nearly) silent"
    # speech has loud and quiet stretches, unlike noise or a tone
    env = np.abs(frames[: len(frames) // 220 * 220].reshape(-1, 220)).max(axis=1)
    assert (env > 3000).sum() > 20 and (env < 300).sum() > 3


def test_longer_text_gives_longer_audio(speech: Speech) -> None:
    short = read_wav(speech.get("Hello."))[3]
    long = read_wav(speech.get("Hello. Find a comfortable place to sit, close enough to see each other's face."))[3]
    assert len(long) > 3 * len(short)


def test_rate_changes_the_length(tmp_path: Path) -> None:
    text = "Breathe in slowly through your nose, and let the breath out gently."
    lengths = {}
    for rate in (100, 200):
        s = Speech("en-us", rate, cache=SpeechCache(tmp_path / "cache"))
        lengths[rate] = len(read_wav(s.get(text))[3])
        s.close()
    assert lengths[100] > 1.5 * lengths[200]


def test_cache_hits_the_second_time_and_misses_on_new_voice_or_rate(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path / "cache")
    text = "Thank you both for the time you gave each other."
    a = Speech("en-us", 140, cache=cache)
    first = a.get(text)
    assert a.rendered == 1
    mtime = first.stat().st_mtime_ns
    assert a.get(text) == first and a.rendered == 1
    a.close()
    again = Speech("en-us", 140, cache=cache)  # a new session: still cached on disk
    assert again.get(text) == first and again.rendered == 0
    assert first.stat().st_mtime_ns == mtime
    again.close()
    for voice, rate in (("en-gb-x-rp", 140), ("en-us", 150), ("en-us+f3", 140)):
        other = Speech(voice, rate, cache=cache)
        path = other.get(text)
        assert path != first and other.rendered == 1, (voice, rate)
        other.close()
    assert not list((tmp_path / "cache").rglob("*.part")), "a temporary file was left behind"


def test_rendering_keeps_stdout_clean(speech: Speech, capfd: pytest.CaptureFixture[str]) -> None:
    speech.get("Nothing on standard output, please.")
    out, _ = capfd.readouterr()
    assert out == ""


def test_unknown_voice_lists_close_matches() -> None:
    with pytest.raises(BadInput, match=r"unknown voice 'en-uss'.*en-us"):
        resolve_voice("en-uss")
    with pytest.raises(BadInput, match=r"variant 'f33'.*en-us\+f3"):
        resolve_voice("en-us+f33")
    assert resolve_voice("en-us") == "gmw/en-us"
    assert resolve_voice("English (America)") == "gmw/en-us"
    assert resolve_voice("gmw/en-us+f3") == "gmw/en-us+f3"


def test_every_language_pack_names_a_real_voice() -> None:
    from voiceguide.lang import available

    for code in available():
        resolve_voice(load_pack(code).voice)


def test_prerender_renders_the_session_first_lines_first(tmp_path: Path) -> None:
    exercise = load(DATA / "short.yaml")
    pack = load_pack("en")
    texts = session_texts(build_plan(exercise, Names("Sam", "Alex")), pack.lines)
    assert texts[0] == "Hello Sam and Alex."
    assert texts[1] == pack.lines.paused
    assert "That is all for now." in texts and pack.lines.closing in texts
    cache = SpeechCache(tmp_path / "cache")
    s = Speech("en-us", 140, cache=cache)
    order: list[str] = []
    s.request(texts[0], lambda p, e: order.append("urgent"), urgent=True)
    s.prerender(texts)
    assert s.idle(timeout=20)
    assert all(s.cached(t) for t in texts)
    assert s.rendered == len(texts)
    s.close()
