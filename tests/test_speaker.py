"""Through the real default output, on the virtual sound card: speech, then the chimes, on time."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.pulse import RATE, VirtualSoundCard, first_sound
from voiceguide.audioout import chime_path, load_clip
from voiceguide.lang import load_pack
from voiceguide.speech import Speech

DATA = Path(__file__).parent / "data"


def chime_onsets(audio: np.ndarray, template: np.ndarray, threshold: float = 0.9) -> list[int]:
    """Sample indexes where the bell starts (normalised cross-correlation above `threshold`)."""
    n = len(template)
    corr = np.correlate(audio, template, mode="valid")
    energy = np.sqrt(np.convolve(audio**2, np.ones(n), mode="valid"))
    corr = corr / (np.linalg.norm(template) * energy + 1e-9)
    found: list[int] = []
    for i in np.flatnonzero(corr > threshold):
        if not found or i - found[-1] > int(1.9 * RATE):  # a bell rings for 2 s: its tail is the same bell
            found.append(int(i))
    return found


@pytest.mark.slow
def test_a_session_sounds_speech_then_chimes_at_the_expected_times(pulse: VirtualSoundCard, tmp_path: Path) -> None:
    lines = load_pack("en").lines
    speech = Speech("gmw/en-us", 140)
    hello = load_clip(speech.get("Hello Sam."), RATE)[:, 0]
    speech.get(lines.closing)
    speech.close()
    hello_lead = first_sound(hello) / RATE
    bell = load_clip(chime_path("start"), RATE)[:, 0][: RATE // 4]

    trace = tmp_path / "trace.jsonl"
    recorder = pulse.record()
    started = time.monotonic()
    offset = time.time() - time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "voiceguide", "play", str(DATA / "speaker.yaml"), "--partner-a", "Sam",
         "--no-listen", "--trace", str(trace)],
        env=pulse.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    time.sleep(0.3)
    audio = recorder.stop()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    at = {(r["kind"], r.get("name") or r.get("text")): r["t"] - offset for r in records}

    # the first line is heard where it was started
    onset = first_sound(audio)
    assert onset is not None, "nothing was heard"
    heard_speech = recorder.arrival(onset)
    said = at[("speak", "Hello Sam.")]
    assert 0.0 <= heard_speech - (said + hello_lead) < 0.25, f"speech heard {heard_speech - said:.3f}s after it started"
    assert np.abs(audio[onset : onset + RATE // 2]).max() > 0.1

    # then the start chime, the end chime after the 3 s turn, and the closing words
    chimes = chime_onsets(audio, bell)
    assert len(chimes) == 2, f"expected the start and end chimes, found {len(chimes)}"
    start, end = (recorder.arrival(i) for i in chimes)
    assert 0.0 <= start - at[("chime", "start")] < 0.25
    assert abs(start - (heard_speech - hello_lead + len(hello) / RATE)) < 0.15, "the chime did not follow the line"
    assert abs((end - start) - 3.0) < 0.1, f"the turn lasted {end - start:.3f}s, not 3 s"
    after_chime = audio[chimes[1] + int(2.0 * RATE) :]
    closing_onset = first_sound(after_chime)
    assert closing_onset is not None, "the closing words were not heard"
    assert started < heard_speech < start < end < recorder.arrival(chimes[1] + int(2.0 * RATE) + closing_onset)
