"""A script flattened into the exact list of steps a session walks through: turns unrolled, names
filled in, audio resolved. The engine only ever sees this."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from voiceguide.script.assets import resolve_audio
from voiceguide.script.load import Exercise
from voiceguide.script.model import Clip, Pause, Say, Timer, Turns, Wait, _Step
from voiceguide.script.placeholders import fill

Partner = Literal["a", "b"]


@dataclass(frozen=True)
class Names:
    a: str
    b: str

    def of(self, partner: Partner) -> str:
        return self.a if partner == "a" else self.b


@dataclass(frozen=True)
class SayStep:
    text: str
    audio: Path | None = None
    wait_next: bool = False
    line: int = 0
    turn: Partner | None = None
    missing_audio: str | None = None  # the recorded clip named in the script, if it has gone


@dataclass(frozen=True)
class PauseStep:
    seconds: float
    line: int = 0
    turn: Partner | None = None


@dataclass(frozen=True)
class TimerStep:
    seconds: float
    warn: float | None = None
    end_text: str | None = None  # None: end with a chime
    line: int = 0
    turn: Partner | None = None


@dataclass(frozen=True)
class WaitStep:
    line: int = 0
    turn: Partner | None = None


@dataclass(frozen=True)
class ClipStep:
    path: Path | None  # None when the file has gone since the script was checked
    name: str = ""
    line: int = 0
    turn: Partner | None = None


PlanStep = SayStep | PauseStep | TimerStep | WaitStep | ClipStep

KIND_NAMES: dict[type, str] = {
    SayStep: "say",
    PauseStep: "pause",
    TimerStep: "timer",
    WaitStep: "wait",
    ClipStep: "audio",
}


def kind_of(step: PlanStep) -> str:
    return KIND_NAMES[type(step)]


def build_plan(exercise: Exercise, names: Names, first: Partner = "a") -> tuple[PlanStep, ...]:
    """Unroll `turns`; with first='b' every turns block starts with the other partner."""
    out: list[PlanStep] = []
    for i, step in enumerate(exercise.script.steps):
        at = ("steps", i)
        if isinstance(step, Turns):
            order: list[Partner] = list(step.turns.order)  # type: ignore[arg-type]
            if first == "b":
                order.reverse()
            for speaker in order:
                listener: Partner = "b" if speaker == "a" else "a"
                values = {"a": names.a, "b": names.b, "speaker": names.of(speaker), "listener": names.of(listener)}
                for j, inner in enumerate(step.turns.steps):
                    line = exercise.line_of(at + ("turns", "steps", j))
                    out.append(_flat(inner, values, exercise, line, speaker))
        else:
            out.append(_flat(step, {"a": names.a, "b": names.b}, exercise, exercise.line_of(at), None))
    return tuple(out)


def _flat(step: _Step, values: dict[str, str], exercise: Exercise, line: int, turn: Partner | None) -> PlanStep:
    if isinstance(step, Say):
        audio = resolve_audio(step.audio, exercise.folder) if step.audio else None
        return SayStep(
            text=fill(step.say, values),
            audio=audio,
            wait_next=step.wait == "next",
            line=line,
            turn=turn,
            missing_audio=step.audio if step.audio and audio is None else None,
        )
    if isinstance(step, Pause):
        return PauseStep(step.pause, line=line, turn=turn)
    if isinstance(step, Timer):
        end = None if step.end == "chime" else fill(step.end, values)
        warn = step.warn if step.warn is not None and step.warn < step.timer else None
        return TimerStep(step.timer, warn=warn, end_text=end, line=line, turn=turn)
    if isinstance(step, Wait):
        return WaitStep(line=line, turn=turn)
    if isinstance(step, Clip):
        return ClipStep(resolve_audio(step.audio, exercise.folder), name=step.audio, line=line, turn=turn)
    raise TypeError(f"not a plain step: {step!r}")  # pragma: no cover - turns are unrolled above
