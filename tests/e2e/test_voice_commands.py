"""Voice commands end to end: the real `voiceguide play` process speaking aloud on the virtual sound
card, the real Korean model listening on its microphone, and commands spoken into that microphone
(espeak-ng Korean speech). Checked from the session's --trace and from a recording of the speaker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.harness import WALL, Session, commands, reaction

pytestmark = pytest.mark.slow

LONG = ("서로의 얼굴이 보이게 편하게 앉아 주세요. 휴대전화는 화면이 아래로 가게 내려놓아 주세요. "
        "함께 숨을 골라 볼게요. 코로 천천히 들이마시고, 입으로 부드럽게 내쉬어요. 한 번 더 천천히 들이마시고 내쉬어요.")


def exercise(tmp: Path, steps: str) -> Path:
    path = tmp / "ex.yaml"
    path.write_text(f"id: e2e\ntitle: 시험\nsummary: 시험용 짧은 연습이에요.\nlanguage: ko\nsteps:\n{steps}", "utf-8")
    return path


# say (0) / timer (1) / say (2); the timer long enough to speak into
SHORT = """\
  - say: "안녕하세요. 짧은 연습을 시작할게요."
  - timer: {timer}
  - say: "수고했어요. 여기까지예요."
"""


def kinds(records: list[dict], *names: str) -> list[dict]:
    return [r for r in records if r["kind"] in names]


def test_next_advances(pulse, words, figures, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Session(pulse, tmp_path, exercise(tmp_path, SHORT.format(timer="60s")), words) as s:
        s.wait_listening()
        i, _ = s.wait_for(lambda r: r["kind"] == "timer_start", 30)
        s.wait_for(lambda r: r["kind"] == "playback_done", 10, after=i)  # the start chime
        time.sleep(0.8)
        said = s.say("next")
        j, step = s.wait_step(2, 10, after=i)
        code, err = s.finish(30)
    records = s.records()
    cmd = reaction(records, said, "next")
    figures.add("next → command", cmd["t"] - said.end_wall)
    assert commands(records) == [("next", "voice")]
    cancel = kinds(records, "timer_cancel")[0]
    assert 50 < cancel["remaining"] < 60  # ended early, with its closing cue
    assert records[-1] == {**records[-1], "kind": "end", "reason": "completed"}
    assert code == 0, err


def test_pause_silences_at_once_and_freezes(pulse, words, figures, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    steps = f'  - say: "안녕하세요."\n  - say: "{LONG}"\n  - timer: 30s\n  - say: "수고했어요."\n'
    with Session(pulse, tmp_path, exercise(tmp_path, steps), words) as s:
        s.wait_listening()
        i, _ = s.wait_step(1, 30)
        s.wait_for(lambda r: r["kind"] == "speak", 10, after=i)
        time.sleep(1.5)  # well into the long line
        said = s.say("pause")
        k, stop = s.wait_for(lambda r: r["kind"] == "stop_audio", 5, after=i)
        time.sleep(3.0)  # paused: the line is not taken up again, nothing moves on
        quiet = s.went_quiet(stop["t"])
        records = s.records()
        assert not [r for r in records[k:] if r["kind"] in ("step", "timer_start")]
        s.proc.terminate()  # type: ignore[union-attr]
        s.finish(10)
    cmd = reaction(records, said, "pause")
    figures.add("pause → command", cmd["t"] - said.end_wall)
    figures.add("pause → stop_audio", stop["t"] - said.end_wall)
    assert quiet is not None
    figures.add("pause → speaker silent", quiet - said.end_mono)
    assert said.measured
    assert quiet - said.end_mono <= 0.3, f"the speaker went quiet {quiet - said.end_mono:.3f} s after the word"
