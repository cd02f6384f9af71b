"""Choosing an exercise by voice in the Korean pack, on the virtual sound card: the real `voiceguide
menu` process speaks through the virtual speaker and hears the virtual microphone."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.listen_real import corpus, korean_model
from tests.pulse import VirtualSoundCard
from voiceguide.lang import load_pack
from voiceguide.menuloop import menu_items
from voiceguide.settings import Settings

pytestmark = pytest.mark.slow

EXERCISE = """id: {id}
title: 연습 {n}
summary: 짧은 시험 연습.
language: ko
steps:
  - say: 안녕하세요, {{a}}님, {{b}}님.
  - timer: 30s
"""


def records(trace: Path) -> list[dict]:
    if not trace.exists():
        return []
    return [json.loads(line) for line in trace.read_text("utf-8").splitlines() if line.strip()]


def wait_for(trace: Path, test, timeout: float = 40.0) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for r in records(trace):
            if test(r):
                return r
        time.sleep(0.05)
    raise AssertionError(f"not in the trace after {timeout} s: {[r['kind'] for r in records(trace)][-30:]}")


def quiet_after(trace: Path, token_of) -> None:  # type: ignore[no-untyped-def]
    """Wait until the guide has finished saying the line picked by `token_of` (and a little more)."""
    spoken = wait_for(trace, token_of)
    wait_for(trace, lambda r: r["kind"] == "playback_done" and r["token"] == spoken["token"])
    time.sleep(0.8)  # past the listener's tail after the guide's own voice


def say(card: VirtualSoundCard, tmp: Path, text: str, voice: str, speed: int) -> None:
    """Speak into the microphone. espeak-ng's Korean is hard for the Korean model to follow; the
    voice and speed of each word are ones it recognises (measured, see scripts/bench_listen.py)."""
    wav = tmp / f"say-{abs(hash(text))}.wav"
    clip = corpus.synth(text, voice, speed)
    corpus.write_wav(wav, np.concatenate([corpus.silence(0.3), clip.audio, corpus.silence(0.5)]))
    card.play_into_mic(wav)


def say_until(card: VirtualSoundCard, tmp: Path, trace: Path, text: str, tries, heard) -> dict:  # type: ignore[no-untyped-def]
    """As a person would: say it, and say it again (a little differently) if the guide did not react.
    espeak-ng's Korean is hard for the model; how often a word had to be repeated is printed."""
    for attempt, (voice, speed) in enumerate(tries, 1):
        say(card, tmp, text, voice, speed)
        try:
            found = wait_for(trace, heard, timeout=4.0)
        except AssertionError:
            continue
        print(f"{text!r} taken at try {attempt}")
        return found
    seen = [r["kind"] + (f":{r['name']}" if r["kind"] == "command" else "") for r in records(trace)]
    raise AssertionError(f"{text!r} was not taken in {len(tries)} tries: {seen[-20:]}")


NEXT_TRIES = [("ko", 160), ("ko+f3", 160), ("ko", 180), ("ko", 150)]
FOUR_TRIES = [("ko+f3", 130), ("ko", 130), ("ko+f3", 160), ("ko", 160)]


@contextlib.contextmanager
def menu_process(pulse: VirtualSoundCard, tmp: Path, exercises: int, stdin: int = subprocess.DEVNULL):  # type: ignore[no-untyped-def]
    """The real `voiceguide menu` on the virtual card, offering the Korean built-ins and
    k1..k`exercises`; yields (process, trace, the items in the order offered). However the body
    ends, the menu is stopped with SIGTERM and must end as a signalled process does: exit 143, no
    traceback, no abort."""
    korean_model()
    folder = tmp / "mine"
    folder.mkdir()
    for n in range(1, exercises + 1):
        (folder / f"k{n}.yaml").write_text(EXERCISE.format(id=f"k{n}", n=n), encoding="utf-8")
    offered = menu_items(load_pack("ko"), Settings(language="ko"), (folder,))
    trace = tmp / "trace.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "menu", "--lang", "ko", "--dir", str(folder), "--time-scale", "10",
         "--trace", str(trace)],
        env=pulse.env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    failure = None
    try:
        yield proc, trace, offered
    except AssertionError as exc:
        failure = exc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert failure is None, f"{failure}\n{err}"
    assert proc.returncode == 143, err
    assert "Traceback" not in err and "terminate called" not in err, err


def test_choose_an_exercise_by_voice_in_korean(pulse: VirtualSoundCard, tmp_path: Path) -> None:
    with menu_process(pulse, tmp_path, 4) as (_, trace, offered):
        fourth = offered[3]  # the one whose number is "넷"
        quiet_after(trace, lambda r: r["kind"] == "speak" and "안녕하세요" in r["text"])
        say_until(pulse, tmp_path, trace, "넷", FOUR_TRIES,
                  lambda r: r["kind"] == "command" and r["name"] == f"choose:{fourth.id}" and r["source"] == "voice")
        quiet_after(trace, lambda r: r["kind"] == "speak" and r["text"].startswith(fourth.title))
        so_far = records(trace)
        confirm = next(i for i, r in enumerate(so_far) if r["kind"] == "speak" and r["text"].startswith(fourth.title))
        assert any(r["kind"] == "expect" and r["choices"] == {} for r in so_far[:confirm]), \
            "while confirming, the listener should hear the commands alone"
        chosen = say_until(pulse, tmp_path, trace, "다음", NEXT_TRIES, lambda r: r["kind"] == "menu_choice")
        assert chosen["id"] == fourth.id
        wait_for(trace, lambda r: r["kind"] == "step" and r["index"] == 1)  # the session itself runs


def test_choose_with_keys_while_the_microphone_listens(pulse: VirtualSoundCard, tmp_path: Path) -> None:
    """Choosing changes what the listener hears, at any moment of the microphone's stream: Vosk
    takes a new grammar only between utterances, and otherwise aborts the whole process."""
    with menu_process(pulse, tmp_path, 1, stdin=subprocess.PIPE) as (proc, trace, offered):
        assert proc.stdin is not None
        quiet_after(trace, lambda r: r["kind"] == "speak" and "안녕하세요" in r["text"])
        time.sleep(1.3)  # the microphone's stream goes on; the recogniser is in the middle of an utterance
        proc.stdin.write("2\n")
        proc.stdin.flush()
        wait_for(trace, lambda r: r["kind"] == "expect" and r["choices"] == {})
        quiet_after(trace, lambda r: r["kind"] == "speak" and r["text"].startswith(offered[1].title))
        proc.stdin.write("next\n")
        proc.stdin.flush()
        wait_for(trace, lambda r: r["kind"] == "step" and r["index"] == 1)
        time.sleep(1.0)
        assert proc.poll() is None, "voiceguide menu ended by itself"
