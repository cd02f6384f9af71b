"""Rotating sets (`rotate:`): each session plays the next set, from the history; check looks at
every set; show and play can pick one."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from voiceguide.cli import cli
from voiceguide.history import Session
from voiceguide.nextsession import rotation
from voiceguide.plan import Names, SayStep, build_plan
from voiceguide.script.lint import lint
from voiceguide.script.load import load

SCRIPT = """\
id: weekly
title: Weekly
summary: Two questions in turn.
minutes: MINUTES
steps:
  - say: Hello {a} and {b}.
  - rotate:
      - steps:
          - say: What made you laugh this week?
          - pause: 15s
          - turns:
              steps:
                - say: "{speaker}, tell {listener}."
                - timer: 1m
      - steps:
          - say: What are you proud of lately?
          - pause: 15s
          - turns:
              steps:
                - say: "{speaker}, tell {listener}."
                - timer: 1m
      - steps:
          - say: What would you like more of?
          - pause: 15s
          - turns:
              steps:
                - say: "{speaker}, tell {listener}."
                - timer: 1m
  - say: That is all for today.
"""


def write(tmp_path: Path, text: str = SCRIPT, minutes: float = 3) -> Path:
    path = tmp_path / "weekly.yaml"
    path.write_text(text.replace("MINUTES", f"{minutes:g}"), encoding="utf-8")
    return path


def said(path: Path, k: int) -> list[str]:
    return [s.text for s in build_plan(load(path), Names("Ann", "Bob"), rotation=k) if isinstance(s, SayStep)]


def test_each_session_plays_one_set_in_turn_and_wraps_round(tmp_path: Path) -> None:
    path = write(tmp_path)
    questions = [said(path, k)[1] for k in range(4)]
    assert questions == ["What made you laugh this week?", "What are you proud of lately?",
                         "What would you like more of?", "What made you laugh this week?"]
    assert said(path, 1)[0] == "Hello Ann and Bob." and said(path, 1)[-1] == "That is all for today."
    assert said(path, 1)[2:4] == ["Ann, tell Bob.", "Bob, tell Ann."]  # turns inside a set unroll


def test_line_numbers_point_into_the_chosen_set(tmp_path: Path) -> None:
    path = write(tmp_path)
    plan = build_plan(load(path), Names("Ann", "Bob"), rotation=1)
    assert plan[1].line == 16  # "What are you proud of lately?"


def test_the_set_comes_from_completed_sessions_of_that_exercise() -> None:
    def s(ident: str, outcome: str = "completed") -> Session:
        return Session(ident, ident, 0.0, 60.0, outcome)

    assert rotation([], "weekly") == 0
    assert rotation([s("weekly"), s("presence"), s("weekly")], "weekly") == 2
    assert rotation([s("weekly"), s("weekly", "stopped"), s("weekly", "interrupted")], "weekly") == 1


def test_play_takes_the_next_set_from_the_history(tmp_path: Path) -> None:
    from voiceguide import history

    path = write(tmp_path)

    def heard_after(*outcomes: str) -> list[str]:
        history.history_path().unlink(missing_ok=True)
        for outcome in outcomes:
            history.append(history.Session("weekly", "Weekly", 0.0, 600.0, outcome))
        result = CliRunner().invoke(cli, ["play", str(path), "--text", "--no-listen", "--time-scale", "1000"])
        assert result.exit_code == 0, result.output
        return [q for q in ("laugh", "proud", "more of") if q in result.stdout]

    assert heard_after() == ["laugh"]
    assert heard_after("completed") == ["proud"]
    assert heard_after("completed", "stopped") == ["proud"]  # a set not finished comes round again
    assert heard_after("completed", "stopped", "completed") == ["more of"]
    assert heard_after(*["completed"] * 3) == ["laugh"]  # and after the last set, the first


def test_play_and_show_can_pick_a_set(tmp_path: Path) -> None:
    path = write(tmp_path)
    played = CliRunner().invoke(cli, ["play", str(path), "--text", "--no-listen", "--time-scale", "1000", "--set", "3"])
    assert played.exit_code == 0 and "What would you like more of?" in played.stdout
    shown = CliRunner().invoke(cli, ["show", str(path), "--set", "2"])
    assert shown.exit_code == 0 and "What are you proud of lately?" in shown.stdout
    assert "laugh" not in shown.stdout


def test_check_estimates_every_set(tmp_path: Path) -> None:
    longer = SCRIPT.replace("""          - say: What would you like more of?
          - pause: 15s""", """          - say: What would you like more of?
          - pause: 2m""")
    path = write(tmp_path, longer)
    (found,) = [str(p) for p in lint(load(path))]
    assert "with set 3 of its 'rotate' steps" in found and "(more than 10%)" in found


def test_check_finds_unequal_turns_in_any_set(tmp_path: Path) -> None:
    unfair = SCRIPT.replace("""          - say: What are you proud of lately?
          - pause: 15s""", """          - say: What are you proud of lately?
          - say: "{a}, you begin."
          - timer: 1m""")
    path = write(tmp_path, unfair)
    found = [str(p) for p in lint(load(path)) if "unequal turns" in p.message]
    assert len(found) == 1 and ":18: " in found[0], found


def test_check_reads_command_words_in_every_set(tmp_path: Path) -> None:
    path = write(tmp_path, SCRIPT.replace("What are you proud of lately?", "What would you do again?"))
    found = [str(p) for p in lint(load(path))]
    assert len(found) == 1 and "'again', a command word" in found[0], found


def test_a_fair_rotating_script_passes_check_strict(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = CliRunner().invoke(cli, ["check", "--strict", str(path)])
    assert result.exit_code == 0, result.output
