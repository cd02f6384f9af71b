"""Estimates of how long things take, for `show`, `list` and text-mode pacing."""

from __future__ import annotations

from voiceguide.plan import ClipStep, PauseStep, PlanStep, SayStep, TimerStep, WaitStep

DEFAULT_RATE_WPM = 140  # calm narration; espeak-ng's rate is close to words per minute
CHIME_S = 2.0
WAIT_S = 5.0  # a guess at how long a couple takes to say "next"


def speech_seconds(text: str, rate_wpm: float = DEFAULT_RATE_WPM) -> float:
    """Rough speaking time. Scripts without spaces between words (none so far) would be underestimated."""
    words = len(text.split())
    if not words:
        return 0.0
    return words * 60.0 / rate_wpm + 0.4


def step_seconds(step: PlanStep, rate_wpm: float = DEFAULT_RATE_WPM, clip_seconds: float = 3.0) -> float:
    if isinstance(step, SayStep):
        return speech_seconds(step.text, rate_wpm) + (WAIT_S if step.wait_next else 0.0)
    if isinstance(step, PauseStep):
        return step.seconds
    if isinstance(step, TimerStep):
        end = CHIME_S if step.end_text is None else speech_seconds(step.end_text, rate_wpm)
        return step.seconds + end
    if isinstance(step, WaitStep):
        return WAIT_S
    if isinstance(step, ClipStep):
        return clip_seconds
    raise TypeError(step)  # pragma: no cover


def plan_seconds(plan: tuple[PlanStep, ...], rate_wpm: float = DEFAULT_RATE_WPM) -> float:
    return sum(step_seconds(s, rate_wpm) for s in plan)
