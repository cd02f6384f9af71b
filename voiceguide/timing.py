"""Estimates of how long things take, for `show`, `list` and text-mode pacing."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from voiceguide.plan import ClipStep, Names, PauseStep, PlanStep, SayStep, TimerStep, WaitStep, build_plan, with_guide_lines

if TYPE_CHECKING:
    from voiceguide.lang import LanguagePack
    from voiceguide.script.load import Exercise

DEFAULT_RATE_WPM = 140  # calm narration; espeak-ng's rate is close to words per minute
CHIME_S = 2.0
WAIT_S = 5.0  # a guess at how long a couple takes to say "next"


def speech_seconds(text: str, rate_wpm: float = DEFAULT_RATE_WPM) -> float:
    """Rough speaking time. Scripts without spaces between words (none so far) would be underestimated."""
    words = len(text.split())
    if not words:
        return 0.0
    return words * 60.0 / rate_wpm + 0.4


def step_seconds(
    step: PlanStep, rate_wpm: float = DEFAULT_RATE_WPM, clip_seconds: float = 3.0, ready: str = ""
) -> float:
    """`ready` is the language pack's prompt, which the engine speaks at every wait point."""
    waiting = WAIT_S + speech_seconds(ready, rate_wpm)
    if isinstance(step, SayStep):
        return speech_seconds(step.text, rate_wpm) + (waiting if step.wait_next else 0.0)
    if isinstance(step, PauseStep):
        return step.seconds
    if isinstance(step, TimerStep):
        end = CHIME_S if step.end_text is None else speech_seconds(step.end_text, rate_wpm)
        return step.seconds + end
    if isinstance(step, WaitStep):
        return waiting
    if isinstance(step, ClipStep):
        return clip_seconds
    raise TypeError(step)  # pragma: no cover


def plan_seconds(
    plan: tuple[PlanStep, ...], rate_wpm: float = DEFAULT_RATE_WPM, *, ready: str = "", closing: str = ""
) -> float:
    """The whole session: every step, plus the pack's closing line when it is given."""
    return sum(step_seconds(s, rate_wpm, ready=ready) for s in plan) + speech_seconds(closing, rate_wpm)


def exercise_minutes(exercise: Exercise, rate_wpm: float = DEFAULT_RATE_WPM) -> float:
    """The one estimate of an exercise's length that `list` shows and the menu says: a whole
    session in the exercise's own language (the steps alone for a language with no pack)."""
    from voiceguide.errors import VoiceguideError
    from voiceguide.lang import load_pack

    try:
        pack = load_pack(exercise.script.language)
    except VoiceguideError:
        pack = None
    return exercise_seconds(exercise, rate_wpm, pack) / 60.0


def whole_minutes(minutes: float) -> int:
    """Minutes as a person is told them: the nearest whole minute (halves up), at least one."""
    return max(1, math.floor(minutes + 0.5))


def exercise_seconds(exercise: Exercise, rate_wpm: float = DEFAULT_RATE_WPM, pack: LanguagePack | None = None,
                     *, rotation: int = 0) -> float:
    """A whole session of `exercise` as the engine would run it, with the pack's default names
    and its own lines (the ready prompt, how to end a turn early, the closing line; not the
    first-use safety line); without a pack, the steps alone. `rotation` picks the question set."""
    names = Names(*pack.names) if pack else Names("Partner A", "Partner B")
    plan = build_plan(exercise, names, rotation=rotation)
    if pack is None:
        return plan_seconds(plan, rate_wpm)
    plan = with_guide_lines(plan, end_early=pack.lines.end_early)
    return plan_seconds(plan, rate_wpm, ready=pack.lines.ready, closing=pack.lines.closing)
