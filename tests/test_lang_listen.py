"""Language packs as the listener needs them, and the Korean exercise."""

from __future__ import annotations

import pytest

from voiceguide import library
from voiceguide.lang import available, load_pack
from voiceguide.plan import Names, SayStep, build_plan


@pytest.mark.parametrize("code", available())
def test_command_words_cover_every_phrase(code: str) -> None:
    pack = load_pack(code)
    assert pack.command_words() == {w for ps in pack.commands.values() for p in ps for w in p.lower().split()}
    assert not pack.command_words() & set(pack.distractors)  # a distractor must not be a command
    assert pack.lines.mic_test


def test_korean_exercise_plays_in_korean_and_never_says_a_command_word() -> None:
    ko = load_pack("ko")
    exercise = library.find("ko-presence")
    assert exercise.script.language == "ko"
    plan = build_plan(exercise, Names("민수", "지영"))
    lines = [s.text for s in plan if isinstance(s, SayStep)]
    assert len(lines) >= 8
    for line in lines:  # Korean attaches particles: look for the word anywhere, not as a token
        assert not [w for w in ko.command_words() if w in line], line


def test_korean_exercise_gives_both_partners_equal_time() -> None:
    from voiceguide.plan import TimerStep

    plan = build_plan(library.find("ko-presence"), Names("민수", "지영"))
    by_turn: dict[str | None, float] = {}
    for step in plan:
        if isinstance(step, TimerStep) and step.turn is not None:
            by_turn[step.turn] = by_turn.get(step.turn, 0.0) + step.seconds
    assert set(by_turn) == {"a", "b"} and by_turn["a"] == by_turn["b"] > 0
