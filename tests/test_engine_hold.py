"""A partner's turn waits for quiet: a voice command heard in a turn or a silent pause is held until
the room has stayed quiet after it, and dropped when talk goes on. Driven with a fake clock; the
listener's side (sound beginning, the quiet already heard) comes from the real Listener on fakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes import Utterance, heard_in_room
from tests.test_engine import LINES, SAY1, SAY2, Driver, sounds
from voiceguide.engine import HOLD_QUIET_S
from voiceguide.events import (
    CancelTimer,
    Chime,
    Command,
    EnterStep,
    Held,
    StopAudio,
    Talk,
    Tick,
    to_record,
)
from voiceguide.lang import load_pack
from voiceguide.plan import PauseStep, SayStep, TimerStep, WaitStep

TURN = TimerStep(60.0, warn=10.0, line=2)
SILENCE = PauseStep(20.0, line=2)
EN = load_pack("en")


def voice(name: str, quiet_s: float = 0.3) -> Command:
    return Command(name, source="voice", text=name, quiet_s=quiet_s)


def in_turn(step=TURN) -> Driver:  # type: ignore[no-untyped-def]
    """A session whose turn (or silence) has begun, its start chime heard out."""
    d = Driver([SAY1, step, SAY2])
    d.finish_sound()
    if isinstance(step, TimerStep):
        d.finish_sound()  # the start chime
    d.advance(2.0)
    return d


def held(actions: list) -> list[tuple[str, str]]:
    return [(a.command, a.outcome) for a in actions if isinstance(a, Held)]


def acted(actions: list) -> list:
    """What a command did, leaving out the trace's notes on holding it."""
    return [a for a in actions if not isinstance(a, Held)]


@pytest.mark.parametrize("step", [TURN, SILENCE], ids=["turn", "silence"])
def test_a_reply_followed_by_more_talk_never_acts(step) -> None:  # type: ignore[no-untyped-def]
    d = in_turn(step)
    out = d.send(voice("next"))
    assert acted(out) == [] and held(out) == [("next", "held")]
    d.advance(0.4)
    out = d.send(Talk())
    assert out == [Held("next", "dropped", "talk went on")]
    out = d.advance(HOLD_QUIET_S * 3)
    assert acted(out) == [] and held(out) == []
    assert d.engine.phase == ("timing" if step is TURN else "silence") and d.step_index() == 1


@pytest.mark.parametrize("step", [TURN, SILENCE], ids=["turn", "silence"])
def test_a_command_followed_by_quiet_acts_within_1_5_s_of_the_words_end(step) -> None:  # type: ignore[no-untyped-def]
    d = in_turn(step)
    heard_at = d.clock.now()
    word_end = heard_at - 0.3  # the listener took it after 0.3 s of quiet
    d.send(voice("next", quiet_s=0.3))
    assert d.advance(HOLD_QUIET_S - 0.3 - 0.01) == []  # not yet: the room has not been quiet long enough
    out = d.advance(0.02)
    assert held(out) == [("next", "carried_out")]
    assert d.clock.now() - word_end <= 1.5
    assert any(isinstance(a, CancelTimer) for a in out)
    if step is TURN:  # ended early, with its usual ending cue
        assert [a.name for a in out if isinstance(a, Chime)] == ["end"]
    else:
        assert d.step_index() == 2 and [s.text for s in sounds(out)] == ["second line"]


def test_the_quiet_is_counted_from_the_words_end() -> None:
    """A command taken late (a busy listener) has already had some of its quiet."""
    d = in_turn()
    d.send(voice("pause", quiet_s=HOLD_QUIET_S + 0.2))
    out = d.advance(0.0)
    assert held(out) == [("pause", "carried_out")]
    assert d.engine.paused


def test_pause_and_stop_in_a_turn_wait_for_quiet_too() -> None:
    d = in_turn()
    d.send(voice("pause"))
    assert not d.engine.paused
    out = d.advance(HOLD_QUIET_S)
    assert held(out) == [("pause", "carried_out")] and d.engine.paused
    d.send(Command("resume", source="voice"))  # an answer while paused: at once
    assert not d.engine.paused
    d.send(voice("stop"))
    d.send(Talk())
    d.advance(HOLD_QUIET_S * 2)
    assert not d.engine.awaiting_input  # no question was asked
    d.send(voice("stop"))
    out = d.advance(HOLD_QUIET_S)
    assert [s.text for s in sounds(out)] == [LINES.confirm_stop]
    out = d.send(voice("stop"))  # the answer to the question: at once
    assert StopAudio() in out and held(out) == []
    assert [s.text for s in sounds(out)] == [LINES.stopped]


def test_barge_in_over_the_guides_voice_stays_immediate() -> None:
    d = Driver([SayStep("a long instruction", line=1), TURN])
    out = d.send(voice("pause", quiet_s=0.1))
    assert held(out) == [] and StopAudio() in out and d.engine.paused
    d.send(Command("resume", source="voice"))
    out = d.send(voice("stop", quiet_s=0.1))
    assert held(out) == [] and [s.text for s in sounds(out)] == [LINES.confirm_stop]


def test_waiting_points_stay_immediate() -> None:
    d = Driver([SayStep("hello", wait_next=True, line=1), WaitStep(line=2), TURN])
    d.finish_sound()
    out = d.send(voice("next"))
    assert held(out) == [] and d.step_index() == 1
    out = d.send(voice("next"))
    assert held(out) == [] and d.step_index() == 2


def test_keys_and_buttons_in_a_turn_act_at_once() -> None:
    for source in ("keys", "stdin", "button"):
        d = in_turn()
        out = d.send(Command("next", source=source))
        assert held(out) == [] and any(isinstance(a, CancelTimer) for a in out)


def test_a_held_command_is_let_go_when_the_turn_ends_first() -> None:
    d = in_turn()
    d.advance(60.0 - 2.0 - 0.5)
    d.send(voice("next"))
    out = d.advance(0.6)  # the timer runs out before the quiet has lasted
    assert ("next", "dropped") in held(out)
    assert [a for a in out if isinstance(a, Held) and a.outcome == "dropped"][0].reason == "the session moved on"
    assert [a.name for a in out if isinstance(a, Chime)] == ["end"]  # the turn's own end, once
    assert held(d.advance(HOLD_QUIET_S * 2)) == []


def test_a_key_that_moves_the_session_lets_a_held_command_go() -> None:
    d = in_turn()
    d.send(voice("pause"))
    out = d.send(Command("next"))
    assert held(out) == [("pause", "dropped")]
    assert held(d.advance(HOLD_QUIET_S * 2)) == [] and not d.engine.paused


def test_a_second_command_takes_the_place_of_the_first() -> None:
    d = in_turn()
    d.send(voice("pause"))
    d.advance(0.5)
    out = d.send(voice("next"))
    assert held(out) == [("pause", "dropped"), ("next", "held")]
    out = d.advance(HOLD_QUIET_S)
    assert held(out) == [("next", "carried_out")] and not d.engine.paused


def test_talk_with_nothing_held_does_nothing() -> None:
    d = in_turn()
    assert d.send(Talk()) == []
    assert d.engine.wakeup_at is not None and d.engine.wakeup_at > d.clock.now() + 30


# ---- with the listener's view of the room (the real Listener and acceptance rules, on fakes) ----


def replay(d: Driver, heard: list[tuple[float, object]], start: float, until: float) -> list:
    """Feed what the listener heard into the engine on the same timeline (audio time + start);
    the actions, each with the time it came."""
    out: list[tuple[float, object]] = []

    def advance_to(t: float) -> None:
        while (w := d.engine.wakeup_at) is not None and w <= t:
            d.clock.t = max(d.clock.t, w)
            out.extend((d.clock.t, a) for a in d.send(Tick()))
        d.clock.t = max(d.clock.t, t)

    for t, event in heard:
        advance_to(start + t)
        out.extend((d.clock.t, a) for a in d.send(event))
    advance_to(start + until)
    return out


def test_a_reply_in_a_turn_then_more_talk_never_acts_end_to_end_on_fakes() -> None:
    """A short reply heard as "next" (said on its own, with quiet before it), then the partner goes
    on talking after a short breath: the listener takes it, and the session drops it."""
    room = [Utterance(1.0, 1.4, "next"), Utterance(2.0, 4.5, "and then i said that we should go")]
    heard = heard_in_room(room, EN.commands)
    assert [type(e).__name__ for _, e in heard] == ["Command", "Talk"]  # taken, then talk
    d = in_turn()
    out = [a for _, a in replay(d, heard, d.clock.now(), 8.0)]
    assert held(out) == [("next", "held"), ("next", "dropped")]
    assert not any(isinstance(a, (CancelTimer, EnterStep)) for a in out) and d.engine.phase == "timing"


def test_a_command_in_a_turn_then_quiet_acts_within_1_5_s_end_to_end_on_fakes() -> None:
    room = [Utterance(1.0, 1.4, "next")]
    heard = heard_in_room(room, EN.commands)
    d = in_turn()
    start = d.clock.now()
    out = replay(d, heard, start, 5.0)
    assert held([a for _, a in out]) == [("next", "held"), ("next", "carried_out")]
    carried_at = next(t for t, a in out if isinstance(a, Held) and a.outcome == "carried_out")
    assert any(isinstance(a, CancelTimer) and t == carried_at for t, a in out)  # the turn ended then
    assert carried_at - (start + 1.4) <= 1.5


def test_the_trace_records_held_commands_and_not_each_talk(tmp_path: Path) -> None:
    """Through the runner and the real trace: the command as heard, held, then carried out or dropped;
    the Talk events themselves are not traced (they are many; what they do is)."""
    import io

    from voiceguide.engine import Engine
    from voiceguide.runner import Bus, Runner, VirtualClock
    from voiceguide.textout import TextOutput
    from voiceguide.trace import Trace

    clock = VirtualClock(start=0.0)
    bus = Bus(clock)
    engine = Engine((SayStep("hi", line=1), TimerStep(30.0, line=2), SayStep("bye", line=3)), LINES)
    trace = Trace(tmp_path / "t.jsonl")
    out = TextOutput(bus, stream=io.StringIO())
    # the line "hi" takes about a second of text time; the turn starts then
    bus.post_after(5.0, voice("next"))
    bus.post_after(5.4, Talk())
    bus.post_after(10.0, voice("next"))
    Runner(engine, bus, out, [trace]).run()
    trace.close()
    records = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text("utf-8").splitlines()]
    kinds = [r["kind"] for r in records]
    assert "talk" not in kinds
    notes = [(r["command"], r["outcome"], r["reason"]) for r in records if r["kind"] == "held_command"]
    assert notes == [("next", "held", ""), ("next", "dropped", "talk went on"),
                     ("next", "held", ""), ("next", "carried_out", "")]
    commands = [r for r in records if r["kind"] == "command"]
    assert [(c["name"], c["source"], c["quiet_s"]) for c in commands] == [("next", "voice", 0.3)] * 2
    carried = next(r for r in records if r.get("outcome") == "carried_out")
    assert carried["t"] == pytest.approx(10.0 + HOLD_QUIET_S - 0.3, abs=0.01)
    assert to_record(Held("next", "dropped", "talk went on"))["kind"] == "held_command"


def test_verbose_says_what_became_of_a_held_command() -> None:
    from voiceguide.session import say_held

    said: list[str] = []
    observe = say_held(said.append)
    for message in (Held("next", "held"), Held("next", "dropped", "talk went on"), Held("pause", "carried_out"),
                    Command("next")):
        observe(0.0, message)
    assert said == ["'next' held (waiting for quiet)", "'next' dropped: talk went on", "'pause' carried out"]
