"""A script flattened into the exact list of steps a session walks through: turns unrolled, names
filled in, audio resolved. The engine only ever sees this."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from voiceguide.script.assets import resolve_audio
from voiceguide.script.load import Exercise
from voiceguide.script.model import Clip, Pause, Rotate, Say, Timer, Turns, Wait, _Step
from voiceguide.script.placeholders import fill
from voiceguide.script.yamlread import Path as KeyPath

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
    system: bool = False  # the guide's own line from the language pack, not the script's


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


def build_plan(exercise: Exercise, names: Names, first: Partner = "a", *, rotation: int = 0) -> tuple[PlanStep, ...]:
    """Unroll `turns`; with first='b' every turns block starts with the other partner. Each `rotate`
    step gives its set number `rotation` (counted round: 0 is the first set, and after the last
    set the first comes again)."""
    out: list[PlanStep] = []
    for i, step in enumerate(exercise.script.steps):
        at: KeyPath = ("steps", i)
        if isinstance(step, Rotate):
            k = rotation % len(step.rotate)
            for j, inner in enumerate(step.rotate[k].steps):
                out += _unroll(inner, at + ("rotate", k, "steps", j), exercise, names, first)
        else:
            out += _unroll(step, at, exercise, names, first)
    return tuple(out)


def _unroll(step: _Step, at: KeyPath, exercise: Exercise, names: Names, first: Partner) -> list[PlanStep]:
    if not isinstance(step, Turns):
        return [_flat(step, {"a": names.a, "b": names.b}, exercise, exercise.line_of(at), None)]
    out: list[PlanStep] = []
    order: list[Partner] = list(step.turns.order)  # type: ignore[arg-type]
    if first == "b":
        order.reverse()
    for speaker in order:
        listener: Partner = "b" if speaker == "a" else "a"
        values = {"a": names.a, "b": names.b, "speaker": names.of(speaker), "listener": names.of(listener)}
        for j, inner in enumerate(step.turns.steps):
            line = exercise.line_of(at + ("turns", "steps", j))
            out.append(_flat(inner, values, exercise, line, speaker))
    return out


def with_guide_lines(plan: tuple[PlanStep, ...], *, safety: str | None = None,
                     end_early: str | None = None) -> tuple[PlanStep, ...]:
    """The plan with the guide's own lines added where a couple needs them, whatever the script:
    `safety` first of all (said on a couple's first session), and `end_early` (how to end a turn
    before its time is up) once, just before the instruction that leads into the first timed turn,
    so that it is heard when it is about to be useful."""
    steps = list(plan)
    if end_early:
        timer = next((i for i, s in enumerate(steps) if isinstance(s, TimerStep)), None)
        if timer is not None:
            at = timer - 1 if timer > 0 and isinstance(steps[timer - 1], SayStep) else timer
            steps.insert(at, SayStep(end_early, system=True))
    if safety:
        steps.insert(0, SayStep(safety, system=True))
    return tuple(steps)


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
