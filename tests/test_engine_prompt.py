"""The "say next when you're ready" reminder stops when someone says next (or back) over it, so the
next line is not spoken on top of it."""

from __future__ import annotations

from voiceguide.engine import Engine
from voiceguide.events import Command, Speak, StopAudio
from voiceguide.lang import load_pack
from voiceguide.plan import SayStep


def test_next_during_the_ready_reminder_silences_it_before_the_next_line() -> None:
    lines = load_pack("en").lines
    engine = Engine((SayStep("One.", wait_next=True), SayStep("Two.")), lines)
    first = engine.start(0.0)
    token = next(a.token for a in first if isinstance(a, Speak))
    from voiceguide.events import PlaybackDone

    reminder = engine.handle(PlaybackDone(token), 1.0)
    assert [a.text for a in reminder if isinstance(a, Speak)] == [lines.ready]
    actions = engine.handle(Command("next"), 1.2)
    kinds = [type(a) for a in actions]
    assert StopAudio in kinds
    assert kinds.index(StopAudio) < next(i for i, a in enumerate(actions) if isinstance(a, Speak))
    assert [a.text for a in actions if isinstance(a, Speak)] == ["Two."]


def test_back_during_the_ready_reminder_silences_it() -> None:
    lines = load_pack("en").lines
    engine = Engine((SayStep("One."), SayStep("Two.", wait_next=True), SayStep("Three.")), lines)
    from voiceguide.events import PlaybackDone

    t1 = next(a.token for a in engine.start(0.0) if isinstance(a, Speak))
    t2 = next(a.token for a in engine.handle(PlaybackDone(t1), 1.0) if isinstance(a, Speak))
    engine.handle(PlaybackDone(t2), 2.0)  # the reminder starts
    actions = engine.handle(Command("back"), 2.1)
    assert isinstance(actions[0], StopAudio)
    assert [a.text for a in actions if isinstance(a, Speak)] == ["One."]
