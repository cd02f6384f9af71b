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
    # a couple's first session: the safety line opens it, then how to end a turn early, then the script
    first = load_clip(speech.get(lines.safety), RATE)[:, 0]
    hello = load_clip(speech.get("Hello Sam."), RATE)[:, 0]
    speech.get(lines.end_early)
    speech.get(lines.closing)
    speech.close()
    first_lead = first_sound(first) / RATE
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
    said = at[("speak", lines.safety)]
    # (a null sink renders a little ahead of real time, so its monitor may deliver a sample some
    # tens of ms before the moment it is "heard": absolute times get a small tolerance below 0)
    early = -0.1
    assert early <= heard_speech - (said + first_lead) < 0.25, f"speech heard {heard_speech - said:.3f}s after it started"
    delay = heard_speech - (said + first_lead)  # from starting a sound to hearing it
    assert np.abs(audio[onset : onset + RATE // 2]).max() > 0.1

    # then the start chime, the end chime after the 3 s turn, and the closing words
    chimes = chime_onsets(audio, bell)
    assert len(chimes) == 2, f"expected the start and end chimes, found {len(chimes)}"
    start, end = (recorder.arrival(i) for i in chimes)
    assert early <= start - at[("chime", "start")] < 0.25
    assert early <= end - at[("chime", "end")] < 0.25
    assert abs(start - (at[("speak", "Hello Sam.")] + delay + len(hello) / RATE)) < 0.15, "the chime did not follow the line"
    assert abs((end - start) - 3.0) < 0.1, f"the turn lasted {end - start:.3f}s, not 3 s"
    after_chime = audio[chimes[1] + int(2.0 * RATE) :]
    closing_onset = first_sound(after_chime)
    assert closing_onset is not None, "the closing words were not heard"
    assert started < heard_speech < start < end < recorder.arrival(chimes[1] + int(2.0 * RATE) + closing_onset)


STOP_CHILD = """
import json, sys, time
from voiceguide.audioout import AudioOutput, SoundDevice
from voiceguide.events import Speak
from voiceguide.runner import Bus, RealClock
from voiceguide.speech import Speech

line = sys.argv[1]
speech = Speech("en-us", 140)
speech.get(line)
out = AudioOutput(Bus(RealClock()), SoundDevice(None), speech, volume=1.0)
time.sleep(0.3)
times = {"play": time.monotonic()}
out.play(Speak(line, 1))
time.sleep(1.2)
times["stop"] = time.monotonic()
out.stop()
time.sleep(0.5)
out.close()
print(json.dumps(times))
"""


def test_stop_silences_the_real_output_within_50ms(pulse: VirtualSoundCard) -> None:
    """On the real stream (PortAudio → ALSA → PulseAudio), measured on the speaker monitor."""
    line = "Find a comfortable place to sit, close enough to see each other's face, and breathe."
    recorder = pulse.record()
    proc = subprocess.run([sys.executable, "-c", STOP_CHILD, line], env=pulse.env, capture_output=True, text=True,
                          timeout=60)
    time.sleep(0.2)
    audio = recorder.stop()
    assert proc.returncode == 0, proc.stderr
    times = json.loads(proc.stdout)
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    assert len(loud), "nothing was heard"
    # A: from play() to the first sample reaching the recorder = output latency + recording latency
    arrival_delay = recorder.arrival(int(loud[0])) - times["play"]
    assert 0 < arrival_delay < 0.5
    heard = (loud[-1] - loud[0]) / RATE  # how long the line sounded, in audio time
    asked = times["stop"] - times["play"]  # how long it was meant to sound
    # the speaker went on after stop() for (output latency + heard - asked), which is at most
    # (A + heard - asked): an upper bound, as it counts the recording latency too
    late = arrival_delay + heard - asked
    assert late <= 0.050, f"sound went on up to {late * 1000:.0f} ms after stop()"
    assert heard > asked - arrival_delay - 0.2, "the line had ended long before stop() (the test proves nothing)"
