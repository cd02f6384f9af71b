"""The typed messages of a session: events flow into the engine, actions flow out of it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

COMMANDS = ("next", "pause", "resume", "repeat", "back", "stop", "help")
# Keyboard only: space toggles between pause and resume.
TOGGLE = "toggle-pause"
# One button only: in a session, resume while paused (or asked to confirm a stop), else next; in
# the menu, take the exercise on offer (begin it once it is named), or offer the next one.
ADVANCE = "next-or-resume"
TAKE = "take"
OFFER_NEXT = "offer-next"

EndReason = Literal["completed", "stopped"]
# Said only in the menu: hear the next few exercises.
MENU_COMMANDS = ("more",)


# ---- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """Someone asked for something, by voice, key or button."""

    name: str
    source: str = "keys"
    text: str | None = None  # what was heard, for voice commands; the gesture, for a button
    opinion: str | None = None  # voice, with enrolled voices: which opinion decided (voices, recogniser+voices)
    # voice: how long the room had been quiet after the words when they were taken (a measure of
    # the moment, not part of what was asked: two commands differing only in it are the same)
    quiet_s: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class Talk:
    """Sound began at the microphone (someone speaks, or the room is not quiet): a voice command
    waiting for quiet after it is let go. Not traced, like `Tick`: it is frequent, and what it
    does shows in the trace as a `Held` command dropped."""


@dataclass(frozen=True)
class Tick:
    """The clock reached the engine's wake-up time."""


@dataclass(frozen=True)
class PlaybackDone:
    """A sound started by an action with this token finished playing (or was stopped)."""

    token: int


@dataclass(frozen=True)
class Choice:
    """Someone named an exercise (by title, number or key) while the menu was listening."""

    id: str
    source: str = "keys"


@dataclass(frozen=True)
class InputClosed:
    """No command can ever arrive again (stdin ended and voice is off)."""


@dataclass(frozen=True)
class Announce:
    """Something outside the script the couple must hear (the microphone went away or came back, voice
    commands are unavailable): said as an aside, after which the interrupted line starts again."""

    text: str


Event = Command | Tick | PlaybackDone | InputClosed | Choice | Announce | Talk


# ---- actions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterStep:
    """The session moved to a step (for the trace and for text output)."""

    index: int
    step: str  # the step kind
    line: int  # line in the script file
    turn: str | None = None  # "a" or "b" inside a turns block


@dataclass(frozen=True)
class Speak:
    """Say `text`; `audio` is a recorded clip to use instead of synthesis. `system` lines come from the
    language pack rather than the script."""

    text: str
    token: int
    audio: Path | None = None
    system: bool = False


@dataclass(frozen=True)
class PlayClip:
    path: Path
    token: int


@dataclass(frozen=True)
class Chime:
    """A cue: 'start' and 'end' of a timed turn, or the quieter 'warn' before its end."""

    name: Literal["start", "end", "warn"]
    token: int


@dataclass(frozen=True)
class StopAudio:
    """Silence whatever is playing, now."""


@dataclass(frozen=True)
class StartTimer:
    """A timed turn or silence began (or resumed) with `seconds` left (in real, scaled seconds)."""

    seconds: float
    purpose: Literal["timer", "pause"]


@dataclass(frozen=True)
class CancelTimer:
    """The running timer was frozen or ended early; `remaining` seconds were left."""

    remaining: float


@dataclass(frozen=True)
class Ignored:
    """A command that had nothing to act on, with why (for the trace)."""

    command: str
    reason: str


@dataclass(frozen=True)
class Held:
    """A voice command heard while a partner has the floor or in a silent pause waits for the room
    to stay quiet after it, so that a word said in passing cannot cut anyone off: `held` when it is
    heard, then `carried_out` once the quiet has lasted, or `dropped` (with why) when talk went on."""

    command: str
    outcome: Literal["held", "carried_out", "dropped"]
    reason: str = ""


@dataclass(frozen=True)
class End:
    reason: EndReason


@dataclass(frozen=True)
class Chosen:
    """The menu settled on an exercise: the session is about to start."""

    id: str


@dataclass(frozen=True)
class Expect:
    """What may be said from now on: `commands`, the language pack's commands that would do
    something now (None: all of them), and besides them `words` (command name -> phrases, each
    word needed in the speech model) and `choices` (phrases used when the model knows their words:
    exercise titles and numbers). Fewer words to tell apart means fewer mistaken for one another:
    while a choice is being confirmed, nothing but the commands; while a session plays, no
    "resume"; while it is paused, no "pause"."""

    words: dict[str, list[str]]
    choices: dict[str, list[str]]
    commands: tuple[str, ...] | None = None


Action = (EnterStep | Speak | PlayClip | Chime | StopAudio | StartTimer | CancelTimer | Ignored | Held | End | Chosen
          | Expect)
Playback = Speak | PlayClip | Chime


class Asking:
    """What a machine (the session engine, the menu) last asked the listener to hear. It puts an
    `Expect` before the actions when that has changed: before anything is said, and not again
    while it stays the same (each change costs the recogniser its open utterance)."""

    def __init__(self) -> None:
        self._last: Expect | None = None

    def before(self, expect: Expect, actions: list[Action]) -> list[Action]:
        if expect == self._last:
            return actions
        self._last = expect
        return [expect, *actions]

_KINDS: dict[type, str] = {
    Command: "command",
    Tick: "tick",
    PlaybackDone: "playback_done",
    InputClosed: "input_closed",
    EnterStep: "step",
    Speak: "speak",
    PlayClip: "clip",
    Chime: "chime",
    StopAudio: "stop_audio",
    StartTimer: "timer_start",
    CancelTimer: "timer_cancel",
    Ignored: "ignored",
    Held: "held_command",
    Talk: "talk",
    End: "end",
    Choice: "choice",
    Announce: "announce",
    Chosen: "menu_choice",
    Expect: "expect",
}


def to_record(message: Event | Action) -> dict[str, Any]:
    """A JSON-ready dict with a `kind`, for the trace."""
    record: dict[str, Any] = {"kind": _KINDS[type(message)]}
    for f in fields(message):  # type: ignore[arg-type]
        value = getattr(message, f.name)
        if isinstance(value, Path):
            value = str(value)
        record[f.name] = value
    return record

