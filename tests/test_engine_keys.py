"""Keys and spoken answers that must behave as a person expects: the stop question, waiting
points, silent pauses. Driven by hand with the fake clock, as in test_engine."""

from __future__ import annotations

import io

import pytest

from tests.test_engine import LINES, SAY1, SAY2, Driver, sounds
from voiceguide.engine import STOP_CONFIRM_S
from voiceguide.events import TOGGLE, CancelTimer, InputClosed, StartTimer
from voiceguide.lang import load_pack
from voiceguide.plan import PauseStep, SayStep, TimerStep, WaitStep
from voiceguide.textout import TextOutput


def cancels(actions) -> list[CancelTimer]:
    return [a for a in actions if isinstance(a, CancelTimer)]


# ---- the stop question ------------------------------------------------------------------------


def test_space_at_the_stop_question_resumes_as_it_says():
    d = Driver([TimerStep(60.0), SAY2])
    d.advance(10)
    d.cmd("stop")
    d.finish_sound()
    out = d.cmd(TOGGLE)
    assert not d.engine.paused and d.engine._hold is None
    assert StartTimer(50.0, "timer") in out
    assert LINES.paused not in [s.text for s in sounds(out)]


@pytest.mark.parametrize("answer", ["pause", "timeout"])
def test_going_from_the_stop_question_to_a_pause_stops_the_timer_once(answer):
    d = Driver([TimerStep(60.0), SAY2])
    if answer == "timeout":
        d.cmd("pause")
    d.advance(10)
    d.cmd("stop")
    d.finish_sound()
    if answer == "pause":
        d.cmd("pause")
    else:
        d.advance(STOP_CONFIRM_S + 1)
    assert d.engine.paused
    assert cancels(d.actions) == [CancelTimer(60.0 if answer == "timeout" else 50.0)]
    out = d.cmd("resume")
    assert StartTimer(60.0 if answer == "timeout" else 50.0, "timer") in out


def test_help_while_paused_goes_back_to_the_pause_without_stopping_the_timer_again():
    d = Driver([TimerStep(60.0), SAY2])
    d.advance(15)
    d.cmd("pause")
    d.cmd("help")
    d.finish_sound()
    assert d.engine.paused
    assert cancels(d.actions) == [CancelTimer(45.0)]


@pytest.mark.parametrize("code", ["en", "ko"])
def test_an_unanswered_stop_question_says_the_session_goes_on(code):
    lines = load_pack(code).lines
    assert lines.carry_on.strip()
    d = Driver([TimerStep(60.0), SAY2])
    d.engine.lines = lines
    d.advance(20)
    d.cmd("stop")
    d.finish_sound()
    out = d.advance(STOP_CONFIRM_S + 0.1)
    assert [s.text for s in sounds(out)] == [lines.carry_on]
    assert d.engine.wakeup_at is None  # the turn stays frozen while it is said
    out = d.finish_sound()
    assert StartTimer(40.0, "timer") in out and not d.engine.awaiting_input


def test_an_unanswered_stop_question_at_a_wait_says_so_and_asks_for_next_again():
    d = Driver([SayStep("share one thing", wait_next=True), SAY2])
    d.finish_sound()
    d.cmd("stop")
    d.finish_sound()
    d.advance(STOP_CONFIRM_S + 0.1)
    assert d.last_sound().text == LINES.carry_on
    out = d.finish_sound()
    assert [s.text for s in sounds(out)] == [LINES.ready]
    assert d.engine.awaiting_input


# ---- waiting points ---------------------------------------------------------------------------


@pytest.mark.parametrize("wait", ["say-wait", "wait-step"])
def test_resuming_at_a_wait_says_what_to_say_again(wait):
    plan = [SayStep("share one thing", wait_next=True), SAY2] if wait == "say-wait" else [WaitStep(), SAY2]
    d = Driver(plan)
    if wait == "say-wait":
        d.finish_sound()
    d.finish_sound()  # the ready prompt
    d.cmd("pause")
    d.finish_sound()
    out = d.cmd("resume")
    assert [s.text for s in sounds(out)] == [LINES.ready]
    assert d.engine.awaiting_input
    d.finish_sound()  # the prompt ending does not move on
    assert d.step_index() == 0
    d.cmd("next")
    assert d.last_sound().text == "second line"


def test_space_twice_at_a_wait_says_what_to_say_again():
    d = Driver([WaitStep(), SAY2])
    d.finish_sound()
    d.cmd(TOGGLE)
    out = d.cmd(TOGGLE)
    assert [s.text for s in sounds(out)] == [LINES.ready]


def test_repeat_at_a_wait_says_the_line_then_what_to_say():
    d = Driver([SayStep("share one thing", wait_next=True), SAY2])
    d.finish_sound()
    d.finish_sound()
    out = d.cmd("repeat")
    assert [s.text for s in sounds(out)] == ["share one thing"]
    out = d.finish_sound()
    assert [s.text for s in sounds(out)] == [LINES.ready]
    d.finish_sound()
    assert d.engine.awaiting_input and d.step_index() == 0


# ---- silent pauses in text mode ---------------------------------------------------------------


class _Bus:
    def post_after(self, delay, event) -> None:
        pass


def shown(d: Driver) -> str:
    """What --text prints of the session's timers."""
    stream = io.StringIO()
    out = TextOutput(_Bus(), stream=stream)  # type: ignore[arg-type]
    for action in d.actions:
        out.show(0.0, action)
    return stream.getvalue()


@pytest.mark.parametrize("command", ["next", "pause", "stop", "back", "help"])
def test_interrupting_a_silent_pause_shows_no_timer(command):
    d = Driver([SAY1, PauseStep(30.0), SAY2])
    d.finish_sound()
    d.advance(10)
    d.cmd(command)
    assert any(isinstance(a, CancelTimer) for a in d.actions)
    assert "timer" not in shown(d)


def test_a_timed_turn_cut_short_still_shows_its_timer_once():
    d = Driver([SAY1, PauseStep(5.0), TimerStep(60.0), SAY2])
    d.finish_sound()
    d.advance(5)
    d.advance(20)
    d.cmd("pause")
    d.cmd("stop")
    d.finish_sound()
    d.cmd("pause")
    assert shown(d).splitlines() == ["[timer: 1m]", "[timer stopped, 40s left]"]


def test_no_reminder_when_no_command_can_come_any_more():
    d = Driver([SayStep("share one thing", wait_next=True), SAY2])
    d.finish_sound()
    d.finish_sound()
    d.cmd("stop")
    d.send(InputClosed())
    d.finish_sound()
    d.advance(STOP_CONFIRM_S + 0.1)
    out = d.finish_sound()  # "we'll carry on" ends: nobody can say next, so the session closes
    assert [s.text for s in sounds(out)] == [LINES.stopped]
