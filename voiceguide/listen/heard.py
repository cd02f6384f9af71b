"""What the listener hears, as the session's events: accepted commands, and talk after them.

A voice command said while a partner has the floor waits for the room to stay quiet after it (the
engine holds it); sound beginning again is what lets it go. Only the first start of sound after
each command can change anything, so only that one is posted: the bus does not carry every
utterance of a conversation.
"""

from __future__ import annotations

from collections.abc import Callable

from voiceguide.events import Command, Event, Talk
from voiceguide.listen.accept import Decision


def voice_command(decision: Decision) -> Command:
    """An accepted decision as the engine's Command, with the quiet already heard after its words
    (that much of the quiet a held command waits for has passed)."""
    assert decision.name is not None
    quiet = 0.0 if decision.end is None else max(0.0, decision.t - decision.end)
    opinion = None if decision.opinion == "recogniser" else decision.opinion  # said only where enrolled voices spoke
    return Command(decision.name, source="voice", text=decision.text, quiet_s=round(quiet, 3), opinion=opinion)


class Heard:
    """The listener's hooks (`decision`, `talk`) posting onto a session: each accepted command, and
    the first start of sound after it as a `Talk`. Both hooks run on the listener's thread."""

    def __init__(self, post: Callable[[Event], None]) -> None:
        self.post = post
        self._after_command = False

    def decision(self, decision: Decision) -> None:
        if decision.accepted:
            self.post(voice_command(decision))
            self._after_command = True

    def talk(self, t: float) -> None:
        if self._after_command:
            self._after_command = False
            self.post(Talk())
