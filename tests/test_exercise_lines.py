"""The built-in exercises as a couple hears them: lines that work by ear, pauses that fit their
words, one thank-you at the end (the guide's), the break rule where the relationship itself is
the topic, and the scope of the everyday questions. Written for every built-in file, so new
exercises are held to the same rules."""

from __future__ import annotations

import re

import pytest

from voiceguide import library
from voiceguide.plan import Names, PauseStep, PlanStep, SayStep, TimerStep, build_plan
from voiceguide.script.load import Exercise, load
from voiceguide.script.model import rotation_sizes

BUILTINS = sorted(library.builtin_dir().glob("*.yaml"))
EXERCISES = {p.stem: load(p) for p in BUILTINS}
ENGLISH = [i for i, e in EXERCISES.items() if e.script.language == "en"]
THANKS = {"en": re.compile(r"\bthank", re.I), "ko": re.compile(r"고마|감사")}


def sessions(exercise: Exercise) -> list[tuple[PlanStep, ...]]:
    """The plan of every set of a rotating exercise (one plan without rotate steps)."""
    sizes = rotation_sizes(exercise.script)
    return [build_plan(exercise, Names("Ann", "Bob"), rotation=k) for k in range(max(sizes, default=1))]


def after(plan: tuple[PlanStep, ...], i: int) -> PlanStep | None:
    return plan[i + 1] if i + 1 < len(plan) else None


@pytest.mark.parametrize("ident", sorted(EXERCISES))
def test_the_last_line_leaves_the_thanks_to_the_guide(ident: str) -> None:
    """The pack's closing line thanks both partners; the script's last line must not too."""
    exercise = EXERCISES[ident]
    for plan in sessions(exercise):
        last = [s for s in plan if isinstance(s, SayStep)][-1]
        assert not THANKS[exercise.script.language].search(last.text), last.text


@pytest.mark.parametrize("ident", ENGLISH)
def test_no_quoted_phrases_inside_a_line(ident: str) -> None:
    """Quotation marks are not heard: 'never "at least"' is heard as 'never at least'."""
    for plan in sessions(EXERCISES[ident]):
        for step in plan:
            if isinstance(step, SayStep):
                assert '"' not in step.text and "“" not in step.text, step.text


BREATH_CUE = re.compile(r"\bbreathe? (in|out)\b|\blet (it|the breath) (go|out)\b|^once more\. in\b|^and out\b", re.I)
IN_CUE = re.compile(r"\b(breathe|breath) in\b|\bin\b,? and\b", re.I)
OUT_CUE = re.compile(r"\bout\b|\blet it go\b", re.I)


@pytest.mark.parametrize("ident", ENGLISH)
def test_breathing_cues_are_short_lines_with_silence_after_each(ident: str) -> None:
    for plan in sessions(EXERCISES[ident]):
        for i, step in enumerate(plan):
            if not isinstance(step, SayStep):
                continue
            assert not (IN_CUE.search(step.text) and OUT_CUE.search(step.text)), \
                f"a whole breath inside one line is read faster than anyone breathes: {step.text!r}"
            if BREATH_CUE.search(step.text):
                assert len(step.text.split()) <= 10, step.text
                nxt = after(plan, i)
                assert isinstance(nxt, PauseStep) and 4 <= nxt.seconds <= 6, (step.text, nxt)


@pytest.mark.parametrize("ident", ENGLISH)
def test_think_of_is_followed_by_at_least_fifteen_seconds(ident: str) -> None:
    for plan in sessions(EXERCISES[ident]):
        for i, step in enumerate(plan):
            if isinstance(step, SayStep) and re.search(r"\bthink of\b", step.text, re.I):
                nxt = after(plan, i)
                assert isinstance(nxt, PauseStep) and nxt.seconds >= 15, (step.text, nxt)


@pytest.mark.parametrize("ident", ENGLISH)
def test_a_sentence_each_gets_a_short_timer(ident: str) -> None:
    for plan in sessions(EXERCISES[ident]):
        for i, step in enumerate(plan):
            if isinstance(step, SayStep) and re.search(r"\b(a|one) sentence each\b", step.text, re.I):
                # the turns it leads into: their first timer, past a settling pause and the "your turn" line
                timer = next((s for s in plan[i + 1:] if isinstance(s, TimerStep)), None)
                assert timer is not None and timer.seconds <= 45, (step.text, timer)


JARRING = ["small is just right", "both did both", "what courage it took", "missed?", "i feel this, and i need that",
           "at least\"", "in, and out", "in, and a long breath out"]


@pytest.mark.parametrize("ident", ENGLISH)
def test_lines_that_jar_when_heard_aloud_are_gone(ident: str) -> None:
    text = EXERCISES[ident].path.read_text("utf-8").lower()
    assert [p for p in JARRING if p in text] == []
    for plan in sessions(EXERCISES[ident]):
        for step in plan:
            if isinstance(step, SayStep):
                assert step.text.lower().count("small") <= 2, f"a tongue-twister by ear: {step.text!r}"


def deep_or_personal() -> list[str]:
    return sorted(i for i in ENGLISH if EXERCISES[i].script.depth == "deep" or i in ("needs-sharing", "compassion"))


@pytest.mark.parametrize("ident", deep_or_personal())
def test_exercises_on_the_relationship_say_the_break_rule(ident: str) -> None:
    """If it gets heated: end for now, agree when to return, at least twenty minutes apart."""
    said = " ".join(s.text for s in build_plan(EXERCISES[ident], Names("Ann", "Bob")) if isinstance(s, SayStep))
    assert "twenty minutes apart" in said and re.search(r"\bagree (when|on a time)\b", said, re.I), ident
    plan = build_plan(EXERCISES[ident], Names("Ann", "Bob"))
    first_turn = next(i for i, s in enumerate(plan) if isinstance(s, TimerStep))
    before = " ".join(s.text for s in plan[:first_turn] if isinstance(s, SayStep))
    assert "heated" in before, "near the start: before the first turn, so before anything tender is shared"


def test_compassion_leaves_the_safety_speech_to_the_guide() -> None:
    text = EXERCISES["compassion"].path.read_text("utf-8")
    assert "domestic violence" not in text and "crisis" not in text


def test_seek_support_says_who_it_is_not_for_near_the_start() -> None:
    says = [s.text for s in build_plan(EXERCISES["seek-support"], Names("Ann", "Bob")) if isinstance(s, SayStep)]
    assert any("afraid of the other" in s for s in says[:3])
    assert sum("afraid of the other" in s for s in says) == 1


def test_needs_sharing_speaks_of_yourself_and_gives_the_listener_a_choice() -> None:
    says = " ".join(s.text for s in build_plan(EXERCISES["needs-sharing"], Names("Ann", "Bob")) if isinstance(s, SayStep))
    assert "Speak about yourself" in says and "For example" in says
    assert all(word in says for word in ("yes", "not now", "something else"))
    assert "nothing feels right to share" in says  # a way out


def test_connect_rotates_its_questions_and_keeps_the_deeper_one_outside_the_relationship() -> None:
    exercise = EXERCISES["connect"]
    assert rotation_sizes(exercise.script) and min(rotation_sizes(exercise.script)) >= 3
    questions = []
    for plan in sessions(exercise):
        says = [s.text for s in plan if isinstance(s, SayStep)]
        second = next(s for s in says if s.startswith("The second question"))
        assert re.search(r"outside|work|friends", second), second
        questions.append(tuple(s for s in says if "question" in s))
    assert len(set(questions)) == len(questions), "each set asks its own questions"
