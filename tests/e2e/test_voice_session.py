"""A whole Korean session, run by voice through a virtual sound card and the real Korean model."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.listen_real import KO, corpus, korean_model

pytestmark = pytest.mark.slow


@pytest.fixture
def card(pulse):  # type: ignore[no-untyped-def]
    """The session's virtual sound card (tests/pulse.py)."""
    return pulse


def test_korean_session_runs_end_to_end_by_voice(card, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    korean_model()
    clip = corpus.synth("다음", "ko", 160)
    import numpy as np

    wav = tmp_path / "next.wav"
    corpus.write_wav(wav, np.concatenate([clip.audio, corpus.silence(0.3)]))
    trace = tmp_path / "trace.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "play", "ko-presence", "--text", "--listen",
         "--time-scale", "60", "--trace", str(trace)],
        env=card.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8",
    )
    lines: list[str] = []
    waiting = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if KO.lines.ready in line:
                waiting.set()
            elif line.strip():
                waiting.clear()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    said = 0
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if waiting.wait(0.2):
                time.sleep(0.5)
                if waiting.is_set():  # still waiting: say it (again, if it was not heard)
                    card.play_into_mic(wav)
                    said += 1
                    time.sleep(2.5)
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0, stderr
    assert "session completed" in stderr
    assert "Traceback" not in stderr
    records = [json.loads(line) for line in trace.read_text("utf-8").splitlines()]
    commands = [r for r in records if r["kind"] == "command"]
    assert [(c["name"], c["source"], c["text"]) for c in commands] == [("next", "voice", "다음")] * 3
    assert said <= 6  # heard at the first or second try
    assert lines[-1] == KO.lines.closing


def test_mic_test_hears_next_on_the_microphone(card, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    korean_model()
    clip = corpus.synth("다음", "ko", 160)
    wav = tmp_path / "next.wav"
    corpus.write_wav(wav, np.concatenate([clip.audio, corpus.silence(0.3)]))
    proc = subprocess.Popen([sys.executable, "-m", "voiceguide", "mic-test", "--lang", "ko", "--seconds", "30"],
                            env=card.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(4):  # say it until heard (the model takes a few seconds to load)
            time.sleep(4)
            if proc.poll() is not None:
                break
            card.play_into_mic(wav)
        out, err = proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out == ""
    assert "heard: 다음" in err and "command: next (다음)" in err and "dBFS" in err
