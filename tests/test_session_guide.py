"""The guide's own lines in a session: the safety line on a couple's first session (whichever
exercise, in either language), how to end a turn early once before the first timed turn, the
safety line again under "help"; and who opens, alternating between sessions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fakes import FakeClock
from voiceguide import history
from voiceguide.cli import cli
from voiceguide.engine import Engine
from voiceguide.events import Command, PlaybackDone, Speak
from voiceguide.lang import load_pack
from voiceguide.nextsession import first_use, opener
from voiceguide.plan import PauseStep, SayStep, TimerStep, with_guide_lines

DATA = Path(__file__).parent / "data"


def play(exercise: str, trace: Path, *extra: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["play", exercise, "--text", "--no-listen", "--time-scale", "1000",
                                      "--trace", str(trace), *extra], input="next\n" * 20)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in trace.read_text("utf-8").splitlines()]


def spoken(records: list[dict]) -> list[str]:
    return [r["text"] for r in records if r["kind"] == "speak"]


def done(exercise: str = "presence", outcome: str = "completed") -> None:
    """A session the couple did, in the history (a sped-up --text run is a preview, not one)."""
    history.append(history.Session(exercise, exercise, 0.0, 600.0, outcome))


@pytest.mark.parametrize("exercise, lang", [("presence", "en"), ("compassion", "en"), ("ko-presence", "ko"),
                                            (str(DATA / "ko-short.yaml"), "ko")])
def test_the_safety_line_is_heard_on_first_use_only(exercise: str, lang: str, tmp_path: Path) -> None:
    safety = load_pack(lang).lines.safety
    first = spoken(play(exercise, tmp_path / "1.jsonl"))
    assert first[0] == safety, "said before anything else"
    assert first.count(safety) == 1
    done(Path(exercise).stem)
    second = spoken(play(exercise, tmp_path / "2.jsonl"))
    assert safety not in second


def test_the_safety_line_comes_with_whichever_exercise_is_first(tmp_path: Path) -> None:
    """A couple that begins with presence hears it then, and not again in compassion after."""
    en = load_pack("en").lines.safety
    assert en in spoken(play("presence", tmp_path / "1.jsonl"))
    done("presence", "stopped")  # however it ended
    assert en not in spoken(play("compassion", tmp_path / "2.jsonl"))


@pytest.mark.parametrize("exercise, lang", [("presence", "en"), ("ko-presence", "ko")])
def test_how_to_end_a_turn_early_is_said_once_before_the_first_timed_turn(exercise: str, lang: str,
                                                                          tmp_path: Path) -> None:
    line = load_pack(lang).lines.end_early
    records = play(exercise, tmp_path / "t.jsonl")
    said = spoken(records)
    assert said.count(line) == 1
    at = next(i for i, r in enumerate(records) if r["kind"] == "speak" and r["text"] == line)
    first_timer = next(i for i, r in enumerate(records) if r["kind"] == "timer_start" and r["purpose"] == "timer")
    assert at < first_timer
    steps_between = [r for r in records[at:first_timer] if r["kind"] == "step"]
    assert [r["step"] for r in steps_between] == ["say", "timer"], "right before the turn's own instruction"


def test_guide_lines_go_first_and_before_the_instruction_of_the_first_timer() -> None:
    plan = (SayStep("hello"), PauseStep(5), SayStep("think"), PauseStep(15), SayStep("you begin", turn="a"),
            TimerStep(60, turn="a"), SayStep("now you", turn="b"), TimerStep(60, turn="b"))
    out = with_guide_lines(plan, safety="SAFE", end_early="EARLY")
    assert [getattr(s, "text", None) for s in out[:7]] == ["SAFE", "hello", None, "think", None, "EARLY", "you begin"]
    assert sum(1 for s in out if getattr(s, "text", None) == "EARLY") == 1
    assert out[0].system and out[5].system and not out[1].system
    assert with_guide_lines(plan) == plan
    no_timer = (SayStep("hello"), PauseStep(5))
    assert with_guide_lines(no_timer, end_early="EARLY") == no_timer
    timer_first = (TimerStep(30),)
    assert with_guide_lines(timer_first, end_early="EARLY") == (SayStep("EARLY", system=True), TimerStep(30))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_help_says_the_commands_and_the_safety_line(lang: str) -> None:
    lines = load_pack(lang).lines
    clock = FakeClock()
    engine = Engine((SayStep("first line"), TimerStep(60)), lines)
    engine.start(clock.now())
    out = engine.handle(Command("help"), clock.now())
    [aside] = [a for a in out if isinstance(a, Speak)]
    assert aside.text.startswith(lines.help) and aside.text.endswith(lines.safety)
    assert aside.system
    engine.handle(PlaybackDone(aside.token), clock.now())
    assert engine.index == 0  # the line it interrupted is said again


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_safety_line_is_short_and_plain(lang: str) -> None:
    lines = load_pack(lang).lines
    sentences = [s for s in lines.safety.replace("?", ".").split(".") if s.strip()]
    assert 2 <= len(sentences) <= 3
    commands = load_pack(lang).commands
    assert any(word in lines.safety for word in (*commands["pause"], *commands["stop"]))
    assert any(word in lines.end_early for word in commands["next"])


def test_who_opens_alternates_between_sessions(tmp_path: Path) -> None:
    def opener_after(sessions: int, *extra: str) -> str:
        history.history_path().unlink(missing_ok=True)
        for _ in range(sessions):
            done()
        records = play("presence", tmp_path / f"{sessions}.jsonl", *extra)
        return next(r["turn"] for r in records if r["kind"] == "step" and r["turn"])

    assert [opener_after(n) for n in range(4)] == ["a", "b", "a", "b"]
    assert opener_after(1, "--first", "a") == "a"  # said by hand, it wins


def test_opener_and_first_use_from_the_history() -> None:
    s = history.Session("presence", "Presence", 0.0, 60.0, "stopped")
    assert first_use([]) and not first_use([s])
    assert [opener([s] * n) for n in range(4)] == ["a", "b", "a", "b"]
