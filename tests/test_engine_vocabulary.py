"""What the engine asks the listener to hear: only the commands that would do something now."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_engine import LINES, SAY1, SAY2, STEPS, Driver, sounds
from voiceguide.engine import STOP_CONFIRM_S, TURN_COMMANDS
from voiceguide.events import COMMANDS, Command, Expect, Ignored, Speak

PLAYING = tuple(name for name in COMMANDS if name != "resume")
PAUSED = tuple(name for name in COMMANDS if name != "pause")
# In a partner's turn: end it early, pause, stop; the rest is heard once paused.
TURN = ("next", "pause", "stop")
LEFT_TO_A_PAUSE = {"repeat", "back", "help"}


def expects(actions: list) -> list[tuple[str, ...] | None]:
    return [a.commands for a in actions if isinstance(a, Expect)]


def test_the_listener_is_told_before_anything_is_said():
    d = Driver([SAY1, SAY2])
    assert d.actions[0] == Expect({}, {}, PLAYING)


def test_pause_leaves_out_pause_and_resume_leaves_out_resume():
    d = Driver([STEPS["timer"], SAY2])
    out = d.cmd("pause")
    assert out[0] == Expect({}, {}, PAUSED)  # before the "paused" line
    assert [s.text for s in sounds(out)] == [LINES.paused]
    out = d.cmd("resume")
    assert expects(out) == [TURN]  # back in the turn


def test_nothing_is_asked_again_while_it_stays_the_same():
    d = Driver([SAY1, SAY2, STEPS["pause"]])
    assert expects(d.finish_sound()) == []
    assert expects(d.cmd("next")) == []
    assert expects(d.cmd("repeat")) == []


def test_a_turn_hears_only_next_pause_and_stop_and_all_again_once_paused():
    """Ending a turn early stays possible, and pause and stop (the safety line promises both at
    any time); repeat, back and help would talk over the partner, so a turn does not listen for
    them: after a pause they are heard (and "resume" goes back to the turn with its time left)."""
    assert TURN_COMMANDS == TURN
    d = Driver([SAY1, STEPS["timer"], SAY2])
    assert expects(d.finish_sound()) == [TURN]  # before the start chime
    assert expects(d.cmd("pause")) == [PAUSED]
    out = d.cmd("repeat")  # the instruction again, as an aside; then the turn goes on
    assert [s.text for s in sounds(out)] == ["first line"]
    assert expects(d.finish_sound()) == [TURN]
    assert expects(d.advance(61)) == [PLAYING]  # the turn is over: its closing chime


def test_a_stop_to_confirm_hears_every_command_until_it_lapses():
    d = Driver([STEPS["timer"], SAY2])
    assert expects(d.cmd("stop")) == [COMMANDS]
    d.finish_sound()  # the question has been asked: its time to answer runs from here
    assert expects(d.advance(STOP_CONFIRM_S + 0.1)) == [PLAYING]
    d.cmd("pause")
    assert expects(d.cmd("stop")) == [COMMANDS]
    d.finish_sound()
    assert expects(d.advance(STOP_CONFIRM_S + 0.1)) == [PAUSED]  # back to the pause it came from


def test_the_closing_line_hears_next_and_stop_and_the_end_nothing():
    d = Driver([SAY1])
    out = d.finish_sound()
    assert expects(out) == [("next", "stop")]
    assert [s.text for s in sounds(out)] == [LINES.closing]
    out = d.finish_sound()
    assert d.engine.ended and expects(out) == []


EVENTS = st.lists(st.one_of(st.sampled_from(COMMANDS), st.sampled_from(["done", "wait"])), max_size=25)


@settings(max_examples=300, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=4), events=EVENTS)
def test_a_command_left_out_would_have_done_nothing(kinds: list[str], events: list[str]) -> None:
    """Whatever happened before, the vocabulary last asked for is the engine's present one, and
    each command it leaves out would only have been ignored: leaving it out loses nothing."""
    d = Driver([STEPS[k] for k in kinds])
    for event in events:
        if d.engine.ended:
            break
        if event == "done":
            if sounds(d.actions):
                d.finish_sound()
        elif event == "wait":
            d.advance(7.0)
        else:
            d.cmd(event)
        if d.engine.ended:
            break
        asked = expects(d.actions)[-1]
        assert asked == d.engine.heard_commands()
        if asked == TURN:  # in a turn: what is left out is heard once paused, nothing else
            assert d.engine.phase == "timing" and not d.engine.paused
            asked += tuple(LEFT_TO_A_PAUSE)
        for name in set(COMMANDS) - set(asked):
            engine = copy.deepcopy(d.engine)
            out = engine.handle(Command(name), d.clock.now())
            assert all(isinstance(a, Ignored) for a in out), (name, out)


def test_help_lists_the_commands_whatever_is_heard():
    """The help line is the pack's, the same in every state (it names resume too: said while
    paused, that is what it is for)."""
    d = Driver([STEPS["timer"], SAY2])
    d.cmd("pause")
    out = d.cmd("help")
    assert [s.text for s in sounds(out) if isinstance(s, Speak)] == [LINES.spoken_help]
