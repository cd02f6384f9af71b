"""Voice commands end to end: the real `voiceguide play` process speaking aloud on the virtual sound
card, the real Korean model listening on its microphone, and commands spoken into that microphone
(espeak-ng Korean speech). Checked from the session's --trace and from a recording of the speaker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.harness import Session, commands, reaction
from voiceguide.lang import load_pack

pytestmark = pytest.mark.slow

LONG = ("서로의 얼굴이 보이게 편하게 앉아 주세요. 휴대전화는 화면이 아래로 가게 내려놓아 주세요. "
        "함께 숨을 골라 볼게요. 코로 천천히 들이마시고, 입으로 부드럽게 내쉬어요. 한 번 더 천천히 들이마시고 내쉬어요.")


def exercise(tmp: Path, steps: str) -> Path:
    path = tmp / "ex.yaml"
    path.write_text(f"id: e2e\ntitle: 시험\nsummary: 시험용 짧은 연습이에요.\nlanguage: ko\nsteps:\n{steps}", "utf-8")
    return path


# say / timer / say; the timer long enough to speak into. Each test has its own empty history, so
# a session is a couple's first: the guide's safety line is step 0 and its line on ending a turn
# early comes just before the timer's instruction. As played: safety (0), end-early (1), say (2),
# timer (3), say (4).
SHORT = """\
  - say: "안녕하세요. 짧은 연습을 시작할게요."
  - timer: {timer}
  - say: "수고했어요. 여기까지예요."
"""


def say(s: Session, figures, name: str):  # type: ignore[no-untyped-def]
    """Say a command, again if the guide did not take it (as people do); the misses are
    counted in the run's summary. Measured here: the first few seconds after the model has
    loaded, and a loaded machine, now and then give a clean word a confidence below 0.8."""
    spoken, missed = s.say_until_heard(name)
    figures.count("commands said again (not taken the first time)", missed, missed + 1)
    return spoken


def kinds(records: list[dict], *names: str) -> list[dict]:
    return [r for r in records if r["kind"] in names]


def test_next_advances(pulse, words, figures, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Session(pulse, tmp_path, exercise(tmp_path, SHORT.format(timer="60s")), words) as s:
        s.wait_listening()
        i, _ = s.wait_for(lambda r: r["kind"] == "timer_start", 30)
        s.wait_for(lambda r: r["kind"] == "playback_done", 10, after=i)  # the start chime
        time.sleep(0.8)
        said = say(s, figures, "next")
        s.wait_step(4, 10, after=i)
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
        i, _ = s.wait_step(3, 30)  # after the safety line, the greeting and the end-early line
        s.wait_for(lambda r: r["kind"] == "speak", 10, after=i)
        time.sleep(1.5)  # well into the long line
        said = say(s, figures, "pause")
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
    silent_after = quiet - said.end_mono
    # the listener ends an utterance whose partial result is "pause" after 0.1 s of quiet
    assert silent_after <= 0.3, f"the speaker went quiet {silent_after:.3f} s after the word"


def timer_session(tmp: Path, seconds: int = 20) -> Path:
    return exercise(tmp, SHORT.format(timer=f"{seconds}s"))


def quiet_timer(s: Session) -> int:
    """Wait until the timer runs and its start chime has been heard out; the trace index."""
    s.wait_listening()
    i, _ = s.wait_for(lambda r: r["kind"] == "timer_start", 30)
    s.wait_for(lambda r: r["kind"] == "playback_done", 10, after=i)
    time.sleep(0.8)  # past the guide's tail: commands other than pause and stop count now
    return i


def test_resume_continues_with_the_time_left(pulse, words, figures, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Session(pulse, tmp_path, timer_session(tmp_path, 24), words, time_scale=2.0) as s:
        i = quiet_timer(s)
        paused = say(s, figures, "pause")
        k, cancel = s.wait_for(lambda r: r["kind"] == "timer_cancel", 5, after=i)
        s.wait_for(lambda r: r["kind"] == "playback_done", 15, after=k)  # the "paused" line said
        time.sleep(2.0)
        resumed = say(s, figures, "resume")
        m, start = s.wait_for(lambda r: r["kind"] == "timer_start", 5, after=k)
        _, end = s.wait_for(lambda r: r["kind"] == "timer_cancel", 30, after=m)  # the timer runs out
        code, err = s.finish(30)
    records = s.records()
    figures.add("pause → command", reaction(records, paused, "pause")["t"] - paused.end_wall)
    figures.add("resume → command", reaction(records, resumed, "resume")["t"] - resumed.end_wall)
    assert commands(records) == [("pause", "voice"), ("resume", "voice")]
    assert start["purpose"] == "timer"
    assert start["seconds"] == pytest.approx(cancel["remaining"], abs=0.05)  # the time that was left
    # frozen while paused: it ran out `remaining` after the resume, not after the pause
    assert end["t"] - start["t"] == pytest.approx(start["seconds"], abs=0.5)
    assert end["remaining"] == 0.0
    assert code == 0, err


def silence_session(tmp: Path, seconds: int = 40) -> Path:
    """say / silent pause / say: repeat and back are heard in a silence (a turn leaves them to a
    pause). With no timed turn there is no end-early line: safety (0), say (1), silence (2), say (3)."""
    return exercise(tmp, SHORT.replace("timer: {timer}", f"pause: {seconds}s"))


def quiet_silence(s: Session) -> int:
    """Wait until the silent pause runs, past the guide's tail after its line; the trace index."""
    s.wait_listening()
    i, _ = s.wait_for(lambda r: r["kind"] == "timer_start", 30)
    time.sleep(0.8)
    return i


def test_repeat_says_the_instruction_again(pulse, words, figures, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Session(pulse, tmp_path, silence_session(tmp_path, 40), words) as s:
        i = quiet_silence(s)
        said = say(s, figures, "repeat")
        k, speak = s.wait_for(lambda r: r["kind"] == "speak", 5, after=i)
        s.wait_for(lambda r: r["kind"] == "playback_done", 15, after=k)
        quiet_from = time.monotonic()
        time.sleep(0.8)
        say(s, figures, "next")
        s.wait_step(3, 10, after=k)
        code, err = s.finish(30)
    records = s.records()
    figures.add("repeat → command", reaction(records, said, "repeat")["t"] - said.end_wall)
    assert commands(records) == [("repeat", "voice"), ("next", "voice")]
    # said in a silence, each waited for quiet after it
    assert [(r["command"], r["outcome"]) for r in kinds(records, "held_command")] == [
        ("repeat", "held"), ("repeat", "carried_out"), ("next", "held"), ("next", "carried_out")]
    assert speak["text"] == "안녕하세요. 짧은 연습을 시작할게요."  # the instruction this silence belongs to
    # heard on the speaker: the guide spoke again after the command
    assert s.loud_between(said.end_mono, quiet_from) > 0.05
    assert code == 0, err


def test_back_goes_to_the_previous_instruction(pulse, words, figures, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Session(pulse, tmp_path, silence_session(tmp_path, 40), words) as s:
        i = quiet_silence(s)
        said = say(s, figures, "back")
        k, step = s.wait_for(lambda r: r["kind"] == "step", 5, after=i)
        m, _ = s.wait_step(2, 20, after=k)  # the instruction again, then the silence afresh
        m, _ = s.wait_for(lambda r: r["kind"] == "timer_start", 5, after=m)
        time.sleep(0.8)
        say(s, figures, "next")
        s.wait_step(3, 10, after=m)
        code, err = s.finish(30)
    records = s.records()
    figures.add("back → command", reaction(records, said, "back")["t"] - said.end_wall)
    assert commands(records) == [("back", "voice"), ("next", "voice")]
    assert step["index"] == 1  # the silence's instruction
    assert [r["seconds"] for r in kinds(records, "timer_start")] == [40.0, 40.0]
    assert code == 0, err


def test_stop_needs_saying_twice(pulse, words, figures, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Session(pulse, tmp_path, timer_session(tmp_path, 60), words) as s:
        i = quiet_timer(s)
        once = say(s, figures, "stop")
        k, ask = s.wait_for(lambda r: r["kind"] == "speak", 5, after=i)
        done, _ = s.wait_for(lambda r: r["kind"] == "playback_done", 20, after=k)
        # no second "stop" within the confirmation window: the guide says it carries on, and does
        t, _ = s.wait_for(lambda r: r["kind"] == "timer_start", 15, after=done)
        after_once = s.records()[done:t + 1]
        assert after_once[-1]["t"] - after_once[0]["t"] >= 6.0  # the question was left open its whole time
        say(s, figures, "stop")
        k2, _ = s.wait_for(lambda r: r["kind"] == "speak", 5, after=len(s.records()) - 1)
        s.wait_for(lambda r: r["kind"] == "playback_done", 20, after=k2)
        time.sleep(0.8)
        twice = say(s, figures, "stop")
        code, err = s.finish(30)
    records = s.records()
    figures.add("stop → command", reaction(records, once, "stop")["t"] - once.end_wall)
    figures.add("stop → command", reaction(records, twice, "stop")["t"] - twice.end_wall)
    assert ask["text"].startswith("여기서 마칠까요?")
    assert any(r["kind"] == "timer_start" for r in after_once)  # the timer went on with its time
    carry_on = load_pack("ko").lines.carry_on
    assert [r["text"] for r in after_once if r["kind"] == "speak"] == [carry_on]  # said first, once
    assert not any(r["kind"] == "end" for r in after_once)
    assert commands(records) == [("stop", "voice")] * 3
    assert records[-1]["kind"] == "end" and records[-1]["reason"] == "stopped"
    assert code == 0 and "session stopped" in err, err


def test_a_whole_exercise_by_voice_alone(pulse, words, figures, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    steps = """\
  - say: "안녕하세요. 준비가 되면 시작할게요."
    wait: next
  - timer: 20s
  - say: "잘했어요. 이야기해 주셔서 고마워요."
    wait: next
  - pause: 2s
"""
    with Session(pulse, tmp_path, exercise(tmp_path, steps), words, time_scale=1.0) as s:
        s.wait_listening()
        spoken = []
        after = 0
        for _ in range(2):
            i, _ = s.wait_for(lambda r: r["kind"] == "speak" and r["text"].startswith("준비되면"), 60, after=after)
            s.wait_for(lambda r: r["kind"] == "playback_done", 20, after=i)
            time.sleep(0.8)
            spoken.append(say(s, figures, "next"))
            if len(spoken) == 1:
                quiet_timer(s)
                after = len(s.records())
                spoken.append(say(s, figures, "next"))
        code, err = s.finish(60)
    records = s.records()
    for said in spoken:
        figures.add("next → command", reaction(records, said, "next")["t"] - said.end_wall)
    assert commands(records) == [("next", "voice")] * 3
    assert [r["index"] for r in kinds(records, "step")] == [0, 1, 2, 3, 4, 5]  # with the safety and end-early lines
    assert records[-1]["kind"] == "end" and records[-1]["reason"] == "completed"
    assert code == 0 and "session completed" in err, err
