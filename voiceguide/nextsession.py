"""What the history decides about the next session: whether it is the couple's first (the safety
line is said then), who opens the turns, and which set of a rotating exercise comes up.

Pure functions of the sessions already recorded, so that the engine and the plan never read files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from voiceguide import history
from voiceguide.errors import VoiceguideError
from voiceguide.history import Session

Partner = Literal["a", "b"]


def past_sessions() -> list[Session]:
    """The history as far as it can be read. One that cannot be read at all (a folder in its place,
    no permission) counts as empty: the couple hears the safety line again, and the session goes on."""
    try:
        return list(history.read())
    except (OSError, VoiceguideError):
        return []


def first_use(past: Sequence[Session]) -> bool:
    """No session has been played on this computer yet, whichever exercise comes first."""
    return not past


def opener(past: Sequence[Session]) -> Partner:
    """Who opens every turns block: the partners take it in turns, session by session.

    Going first sets the tone and is the harder part, so neither partner should always have it.
    Alternating whole sessions keeps each exercise's own order of rounds as its author wrote it
    (a light round, then the core round) while, over two sessions, both partners open every round.
    """
    return "a" if len(past) % 2 == 0 else "b"


def rotation(past: Sequence[Session], exercise: str) -> int:
    """How many times this exercise was completed before: a rotating exercise brings its next set
    of questions each time, so week three is not week one. A session stopped early does not count,
    so a set the couple did not finish comes round again."""
    return sum(1 for s in past if s.exercise == exercise and s.outcome == "completed")
