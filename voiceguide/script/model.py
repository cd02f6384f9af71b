"""The exercise script format, defined once: the loader validates with these models and
`voiceguide schema` exports their JSON Schema, so the two can never disagree."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

DURATION_RE = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s)?\s*$")
DURATION_HINT = "write it like 30s, 2m or 1m30s"
MAX_DURATION_S = 4 * 3600.0


def parse_duration(value: object) -> float:
    """Seconds from `5s`, `2m`, `1m30s`, `1h` or a plain number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"bad duration {value!r}: {DURATION_HINT}")
    shown = _shown(value)
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)
        except OverflowError:  # an int too large for a float is far too long anyway
            seconds = float("inf")
    elif isinstance(value, str):
        match = DURATION_RE.match(value)
        if not value.strip() or not match or not any(match.groups()):
            raise ValueError(f"bad duration {shown}: {DURATION_HINT}")
        h, m, s = (float(g) if g else 0.0 for g in match.groups())
        seconds = h * 3600 + m * 60 + s
    else:
        raise ValueError(f"bad duration {shown}: {DURATION_HINT}")
    if not 0 < seconds <= MAX_DURATION_S:
        raise ValueError(f"bad duration {shown}: it must be more than 0s and at most 4h")
    return seconds


def _shown(value: object, limit: int = 40) -> str:
    """A value as a message quotes it: a 400-digit number must not fill the author's screen."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * limit:
        return f"(a number of about {int(value.bit_length() * 0.30103)} digits)"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


def format_duration(seconds: float) -> str:
    """The inverse of parse_duration, for messages and `show`."""
    seconds = round(seconds)
    m, s = divmod(int(seconds), 60)
    if m and s:
        return f"{m}m{s:02d}s"
    return f"{m}m" if m else f"{s}s"


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": DURATION_RE.pattern},
                {"type": "number", "exclusiveMinimum": 0},
            ],
            "description": "A duration: 30s, 2m, 1m30s, or a number of seconds.",
        }
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
AudioPath = Annotated[
    str,
    Field(
        min_length=1,
        max_length=300,
        description="A WAV, FLAC or OGG file in the script's folder, or a bundled clip such as chime.wav.",
    ),
]


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Say(_Step):
    """A spoken instruction; `audio` is a recorded clip used instead of synthesis."""

    say: Annotated[Text, Field(description="What the guide says. {a} and {b} are the partners' names; inside "
                                           "'turns' also {speaker} and {listener}.")]
    audio: AudioPath | None = None
    wait: Annotated[Literal["next"] | None, Field(description="'next': after this line, wait until someone says next.")] = None


class Pause(_Step):
    """Silence of the given length."""

    pause: Annotated[Duration, Field(description="Silence of this length, e.g. 10s.")]


class Timer(_Step):
    """A timed turn: a chime to begin, an optional soft `warn` cue, and a chime or a sentence to end."""

    timer: Annotated[Duration, Field(description="Length of the timed turn, e.g. 3m; starts with a chime.")]
    warn: Annotated[Duration | None, Field(description="A soft chime this long before the end, e.g. 30s.")] = None
    end: Annotated[Text, Field(description="'chime' (the default), or a sentence to say when the time is up.")] = "chime"


class Wait(_Step):
    """Waits until someone says "next"."""

    wait: Annotated[Literal["next"], Field(description="Wait until someone says next.")]


class Clip(_Step):
    """Plays a clip (a bell, music)."""

    audio: AudioPath


Step = Union[Say, Pause, Timer, Wait, Clip]


def _both_partners(order: list[str]) -> list[str]:
    if sorted(order) != ["a", "b"]:
        raise ValueError("must name both partners once: [a, b] or [b, a]")
    return order


class TurnsBody(_Step):
    """Runs `steps` once per partner, in `order`; {speaker} and {listener} swap each time."""

    order: Annotated[
        list[Literal["a", "b"]],
        Field(min_length=2, max_length=2, description="Who goes first: [a, b] or [b, a]; --first b swaps it."),
        AfterValidator(_both_partners),
    ] = [
        "a",
        "b",
    ]
    steps: Annotated[list[Step], Field(min_length=1, description="The steps of one turn (no turns inside).")]


class Turns(_Step):
    """A block of steps taken once by each partner."""

    turns: Annotated[TurnsBody, Field(description="Steps run once for each partner: order and steps.")]


class RotateSet(_Step):
    """One of a `rotate` step's alternatives: the steps said in its place in one session."""

    steps: Annotated[list[Union[Say, Pause, Timer, Wait, Clip, Turns]],
                     Field(min_length=1, description="The steps of this set (turns allowed, no rotate inside).")]


class Rotate(_Step):
    """Alternative blocks of steps, one per session in turn, so that the same exercise brings new
    questions the next time (chosen by how many times the couple has completed it before)."""

    rotate: Annotated[
        list[RotateSet],
        Field(min_length=2, max_length=20,
              description="Two or more sets, each with its own 'steps'; one is played per session, in turn."),
    ]


AnyStep = Union[Say, Pause, Timer, Wait, Clip, Turns, Rotate]

# The key that names each step kind; checked in this order (a `say` may also carry `audio`/`wait`).
KIND_KEYS: dict[str, type[_Step]] = {
    "say": Say,
    "pause": Pause,
    "timer": Timer,
    "turns": Turns,
    "rotate": Rotate,
    "audio": Clip,
    "wait": Wait,
}


class Script(BaseModel):
    """One exercise."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="Short name used on the command line.")]
    title: Annotated[str, Field(min_length=1, max_length=120, description="The name shown by 'voiceguide list'.")]
    summary: Annotated[str, Field(min_length=1, max_length=1000, description="One or two sentences on what the couple will do.")]
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}$", description="Language pack of the spoken lines: en or ko.")] = "en"
    minutes: Annotated[
        Annotated[float, Field(gt=0, le=240)] | None,
        Field(description="The intended length in minutes; 'check' warns when the estimate is far from it."),
    ] = None
    depth: Annotated[
        Literal["light", "medium", "deep"],
        Field(description="How much the exercise asks of the couple; the voice menu offers light ones first."),
    ] = "medium"
    steps: Annotated[list[AnyStep], Field(min_length=1, description="The steps, spoken and timed in order.")]


STEP_KEYS: dict[type[_Step], tuple[str, ...]] = {
    cls: tuple(cls.model_fields) for cls in (Say, Pause, Timer, Wait, Clip, Turns, Rotate)
}


def rotation_sizes(script: Script) -> list[int]:
    """How many sets each `rotate` step has, in order (empty when the script has none)."""
    return [len(step.rotate) for step in script.steps if isinstance(step, Rotate)]
