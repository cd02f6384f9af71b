"""The session engine, driven by hand with a fake clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeClock
from voiceguide.engine import STOP_CONFIRM_S, Engine
from voiceguide.events import (
    COMMANDS,
    Announce,
    TOGGLE,
    CancelTimer,
    Chime,
    Command,
    End,
    EnterStep,
    Expect,
    Ignored,
    InputClosed,
    PlayClip,
    PlaybackDone,
    Speak,
    StartTimer,
    StopAudio,
    Tick,
)
from voiceguide.lang import load_pack
from voiceguide.plan import ClipStep, Names, PauseStep, SayStep, TimerStep, WaitStep, build_plan
from voiceguide.script.load import load

LINES = load_pack("en").lines


class Driver:
    """An engine, a fake clock, and the actions so far."""

    def __init__(self, plan, **kw) -> None:
        self.clock = FakeClock()
        self.engine = Engine(tuple(plan), LINES, **kw)
        self.actions = self.engine.start(self.clock.now())

    def send(self, event) -> list:
        out = self.engine.handle(event, self.clock.now())
        self.actions += out
        return out

    def cmd(self, name: str) -> list:
        return self.send(Command(name))

    def advance(self, seconds: float) -> list:
        """Move the clock, ticking at every wake-up on the way, as the runner does."""
        target = self.clock.t + seconds
        out = []
        while (w := self.engine.wakeup_at) is not None and w <= target:
            self.clock.t = max(self.clock.t, w)
            out += self.send(Tick())
        self.clock.t = target
        return out

    def last_sound(self):
        return [a for a in self.actions if isinstance(a, (Speak, PlayClip, Chime))][-1]

    def finish_sound(self) -> list:
        return self.send(PlaybackDone(self.last_sound().token))

    def step_index(self) -> int:
        return self.engine.index


def sounds(actions) -> list:
    return [a for a in actions if isinstance(a, (Speak, PlayClip, Chime))]


SAY1, SAY2 = SayStep("first line", line=1), SayStep("second line", line=2)


def test_say_plays_then_moves_on_when_the_line_ends():
    d = Driver([SAY1, SAY2])
    assert isinstance(d.actions[0], Expect)  # the listener is told what to hear before anything is said
    assert isinstance(d.actions[1], EnterStep) and d.actions[1].index == 0
    assert d.last_sound().text == "first line"
    out = d.finish_sound()
    assert out[0] == EnterStep(1, "say", 2, None)
    assert d.last_sound().text == "second line"


def test_a_stale_playback_done_is_ignored():
    d = Driver([SAY1, SAY2])
    first = d.last_sound().token
    d.cmd("repeat")
    assert d.send(PlaybackDone(first)) == []
    assert d.step_index() == 0


def test_next_cuts_a_line_short():
    d = Driver([SAY1, SAY2])
    out = d.cmd("next")
    assert isinstance(out[0], StopAudio)
    assert d.last_sound().text == "second line"


def test_wait_next_after_a_line_waits_and_prompts():
    d = Driver([SayStep("hello", wait_next=True), SAY2])
    out = d.finish_sound()
    assert [s.text for s in sounds(out)] == [LINES.ready]
    assert d.engine.awaiting_input
    assert d.send(PlaybackDone(d.last_sound().token)) == []  # the prompt ending does not move on
    d.advance(600)
    assert d.step_index() == 0
    d.cmd("next")
    assert d.last_sound().text == "second line"


def test_wait_step_waits_for_next():
    d = Driver([WaitStep(), SAY2])
    assert d.engine.awaiting_input
    assert d.engine.wakeup_at is None
    d.cmd("next")
    assert d.last_sound().text == "second line"


def test_pause_step_is_silence_for_its_length_scaled():
    d = Driver([PauseStep(10.0), SAY2], time_scale=2.0)
    assert StartTimer(5.0, "pause") in d.actions
    assert d.advance(4.9) == []
    out = d.advance(0.2)
    assert d.last_sound().text == "second line" and out


def test_next_during_a_pause_step_goes_on_at_once():
    d = Driver([PauseStep(30.0), SAY2])
    d.advance(10)
    out = d.cmd("next")
    assert CancelTimer(20.0) in out
    assert d.last_sound().text == "second line"


def test_timer_chimes_warns_and_ends_with_a_chime():
    d = Driver([TimerStep(60.0, warn=15.0), SAY2])
    assert [type(s) for s in sounds(d.actions)] == [Chime]
    assert sounds(d.actions)[0].name == "start"
    assert d.advance(44.9) == []
    warn = d.advance(0.2)
    assert [s.name for s in sounds(warn)] == ["warn"]
    end = d.advance(15.0)
    assert [s.name for s in sounds(end)] == ["end"]
    assert d.step_index() == 0  # moves on when the end chime has rung
    d.finish_sound()
    assert d.last_sound().text == "second line"


def test_timer_can_end_with_a_sentence():
    d = Driver([TimerStep(5.0, end_text="Thank you."), SAY2])
    out = d.advance(5.0)
    assert [s.text for s in sounds(out)] == ["Thank you."]


def test_next_ends_a_timed_turn_early_with_its_end_cue():
    d = Driver([TimerStep(60.0), SAY2])
    d.advance(20)
    out = d.cmd("next")
    assert CancelTimer(40.0) in out
    assert [s.name for s in sounds(out)] == ["end"]
    d.finish_sound()
    assert d.last_sound().text == "second line"


def test_pause_during_a_timer_freezes_it_and_resume_gives_back_the_time_left():
    d = Driver([TimerStep(60.0, warn=10.0), SAY2])
    d.advance(20)
    out = d.cmd("pause")
    assert StopAudio() in out and CancelTimer(40.0) in out
    assert sounds(out)[-1].text == LINES.paused
    assert d.engine.paused and d.engine.wakeup_at is None
    assert d.advance(3600) == []  # a long pause: the clock is frozen
    out = d.cmd("resume")
    assert StartTimer(40.0, "timer") in out
    assert sounds(out) == []  # nothing was sounding when the turn was paused
    assert d.advance(29.9) == []
    assert [s.name for s in sounds(d.advance(0.2))] == ["warn"]
    assert [s.name for s in sounds(d.advance(10.0))] == ["end"]


def test_pause_stops_a_line_and_resume_says_it_again_from_the_start():
    d = Driver([SAY1, SAY2])
    old = d.last_sound().token
    out = d.cmd("pause")
    assert out[0] == StopAudio() or StopAudio() in out
    assert d.send(PlaybackDone(old)) == []
    d.finish_sound()  # "Paused..." ends; still paused
    assert d.engine.paused
    out = d.cmd("resume")
    assert [s.text for s in sounds(out)] == ["first line"]
    d.finish_sound()
    assert d.last_sound().text == "second line"


def test_pause_twice_and_resume_when_not_paused_are_ignored():
    d = Driver([SAY1])
    assert d.cmd("resume") == [Ignored("resume", "not paused")]
    d.cmd("pause")
    assert d.cmd("pause") == [Ignored("pause", "already paused")]


def test_space_key_toggles():
    d = Driver([SAY1])
    d.cmd(TOGGLE)
    assert d.engine.paused
    d.cmd(TOGGLE)
    assert not d.engine.paused


def test_pause_during_a_pause_step_freezes_the_silence():
    d = Driver([PauseStep(10.0), SAY2])
    d.advance(4)
    d.cmd("pause")
    d.advance(100)
    out = d.cmd("resume")
    assert StartTimer(6.0, "pause") in out
    d.advance(5.9)
    assert d.step_index() == 0
    d.advance(0.2)
    assert d.last_sound().text == "second line"


def test_repeat_says_the_current_line_again():
    d = Driver([SAY1, SAY2])
    out = d.cmd("repeat")
    assert StopAudio() in out
    assert [s.text for s in sounds(out)] == ["first line"]


def test_repeat_during_a_timer_says_the_instruction_and_keeps_the_time():
    d = Driver([SayStep("talk for a minute"), TimerStep(60.0)])
    d.finish_sound()
    d.advance(30)
    out = d.cmd("repeat")
    assert [s.text for s in sounds(out)] == ["talk for a minute"]
    d.advance(100)  # frozen while the instruction is said
    out = d.finish_sound()
    assert StartTimer(30.0, "timer") in out
    assert [s.name for s in sounds(d.advance(30.0))] == ["end"]


def test_repeat_while_waiting_says_the_instruction_and_waits_again():
    d = Driver([SayStep("share one thing", wait_next=True), SAY2])
    d.finish_sound()
    d.finish_sound()  # the ready prompt
    out = d.cmd("repeat")
    assert [s.text for s in sounds(out)] == ["share one thing"]
    d.finish_sound()
    assert d.engine.awaiting_input


def test_back_at_the_first_step_says_so_then_carries_on():
    d = Driver([SAY1, SAY2])
    out = d.cmd("back")
    assert [s.text for s in sounds(out)] == [LINES.first_step]
    out = d.finish_sound()
    assert [s.text for s in sounds(out)] == ["first line"]


def test_back_goes_to_the_previous_spoken_step():
    d = Driver([SAY1, PauseStep(5.0), SAY2, SayStep("third")])
    d.finish_sound()
    d.advance(5)
    d.finish_sound()
    assert d.last_sound().text == "third"
    out = d.cmd("back")
    assert out[0] == StopAudio()
    assert d.last_sound().text == "second line" and d.step_index() == 2


def test_back_during_a_timer_returns_to_the_instruction_that_started_it():
    d = Driver([SAY1, SayStep("your turn"), TimerStep(60.0)])
    d.finish_sound()
    d.finish_sound()
    d.advance(10)
    out = d.cmd("back")
    assert CancelTimer(50.0) in out
    assert d.last_sound().text == "your turn"
    d.finish_sound()
    assert StartTimer(60.0, "timer") in d.actions[-2:]  # the turn starts afresh


def test_stop_asks_first_and_a_second_stop_ends_with_a_closing_line():
    d = Driver([SAY1, SAY2])
    out = d.cmd("stop")
    assert StopAudio() in out and sounds(out)[-1].text == LINES.confirm_stop
    out = d.cmd("stop")
    assert sounds(out)[-1].text == LINES.stopped
    assert d.finish_sound() == [End("stopped")]
    assert d.engine.ended


def test_stop_confirmation_times_out_and_the_session_goes_on():
    d = Driver([SAY1, SAY2])
    d.cmd("stop")
    d.advance(30)  # the question is still being asked: no timeout yet
    assert not d.engine.ended and d.engine.wakeup_at is None
    d.finish_sound()
    assert d.engine.wakeup_at == pytest.approx(d.clock.t + STOP_CONFIRM_S)
    assert d.advance(STOP_CONFIRM_S - 0.1) == []
    out = d.advance(0.2)
    assert [s.text for s in sounds(out)] == [LINES.carry_on]  # it says so, then goes on
    out = d.finish_sound()
    assert [s.text for s in sounds(out)] == ["first line"]  # the interrupted line, from its start
    out = d.cmd("stop")
    assert sounds(out)[-1].text == LINES.confirm_stop  # asks again, it does not end


def test_stop_then_resume_carries_on_and_keeps_the_timer():
    d = Driver([TimerStep(60.0), SAY2])
    d.advance(15)
    d.cmd("stop")
    d.finish_sound()
    out = d.cmd("resume")
    assert StartTimer(45.0, "timer") in out
    assert not d.engine.ended


def test_stop_while_paused_returns_to_paused_when_not_confirmed():
    d = Driver([SAY1, SAY2])
    d.cmd("pause")
    d.cmd("stop")
    d.finish_sound()
    d.advance(STOP_CONFIRM_S + 1)
    assert d.engine.paused


def test_completion_says_the_closing_line_then_ends():
    d = Driver([SAY1])
    out = d.finish_sound()
    assert [s.text for s in sounds(out)] == [LINES.closing]
    assert d.finish_sound() == [End("completed")]
    assert d.engine.handle(Command("next"), d.clock.now()) == []


def test_next_or_stop_during_the_closing_line_ends_at_once():
    d = Driver([SAY1])
    d.finish_sound()
    assert d.cmd("stop") == [StopAudio(), End("completed")]


def test_clip_plays_and_moves_on():
    clip = ClipStep(Path("/x/bell.wav"), name="bell.wav")
    d = Driver([clip, SAY2])
    assert isinstance(d.last_sound(), PlayClip)
    d.finish_sound()
    assert d.last_sound().text == "second line"


def test_a_vanished_clip_is_passed_over():
    d = Driver([ClipStep(None, name="gone.wav"), SAY2])
    d.finish_sound()
    assert d.last_sound().text == "second line"


def test_help_is_said_and_the_step_goes_on():
    d = Driver([SAY1, SAY2])
    out = d.cmd("help")
    assert sounds(out)[-1].text == LINES.spoken_help  # the commands, and the safety line again
    out = d.finish_sound()
    assert [s.text for s in sounds(out)] == ["first line"]


def test_input_closed_at_a_wait_ends_the_session_cleanly():
    d = Driver([SAY1, WaitStep(), SAY2])
    d.send(InputClosed())
    assert not d.engine.ended
    out = d.finish_sound()
    assert sounds(out)[-1].text == LINES.stopped
    d.finish_sound()
    assert d.engine.end_reason == "stopped"


STEPS = {
    "say": SayStep("a line"),
    "say-wait": SayStep("a line", wait_next=True),
    "pause": PauseStep(20.0),
    "timer": TimerStep(60.0, warn=10.0),
    "timer-sentence": TimerStep(60.0, end_text="Time."),
    "wait": WaitStep(),
    "clip": ClipStep(Path("/x/bell.wav"), name="bell.wav"),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", STEPS)
def test_every_command_in_every_kind_of_step_leaves_a_session_that_can_finish(kind, command):
    d = Driver([SAY1, STEPS[kind], SAY2])
    d.finish_sound()
    assert d.step_index() == 1
    d.advance(3)
    d.cmd(command)
    for _ in range(50):  # carry on as a patient couple would: say next, let sounds end, wait
        if d.engine.ended:
            break
        d.advance(STOP_CONFIRM_S + 1)
        if d.engine.paused:
            d.cmd("resume")
        elif d.engine.awaiting_input:
            d.cmd("next")
        else:
            d.finish_sound()
    assert d.engine.end_reason == "completed"  # a single stop is only a question
    spoken = [s.text for s in sounds(d.actions) if isinstance(s, Speak)]
    assert spoken[-1] == LINES.closing
    assert "second line" in spoken


def test_a_turns_block_runs_once_for_each_partner(tmp_path):
    script = tmp_path / "t.yaml"
    script.write_text(
        "id: t\ntitle: T\nsummary: s\nsteps:\n"
        "  - say: Hello {a} and {b}.\n"
        "  - turns:\n"
        "      order: [a, b]\n"
        "      steps:\n"
        "        - say: '{speaker} speaks, {listener} listens.'\n"
        "        - timer: 1m\n",
        encoding="utf-8",
    )
    exercise = load(script)
    for first, expected in (("a", ["Sam speaks, Alex listens.", "Alex speaks, Sam listens."]),
                            ("b", ["Alex speaks, Sam listens.", "Sam speaks, Alex listens."])):
        plan = build_plan(exercise, Names("Sam", "Alex"), first=first)
        d = Driver(plan)
        said = []
        while not d.engine.ended:
            sound = d.last_sound()
            if isinstance(sound, Speak) and not sound.system:
                said.append(sound.text)
            d.finish_sound()
            d.advance(60)
        assert said == ["Hello Sam and Alex."] + expected
        turns = [a.turn for a in d.actions if isinstance(a, EnterStep)]
        assert turns == [None, first, first, *(("b",) if first == "a" else ("a",)) * 2]


# ---- announcements from outside the script (microphone lost or back, no speech model) ---------


def test_an_announcement_interrupts_the_line_which_then_starts_again():
    d = Driver([SAY1, SAY2])
    out = d.send(Announce("The microphone is back."))
    assert isinstance(out[0], StopAudio)
    said = sounds(out)[-1]
    assert said.text == "The microphone is back." and said.system
    assert not d.engine.awaiting_input
    out = d.finish_sound()
    assert [s.text for s in sounds(out)] == ["first line"]
    d.finish_sound()
    assert d.last_sound().text == "second line"


def test_an_announcement_freezes_a_timer_and_gives_back_the_time_left():
    d = Driver([SAY1, TimerStep(60.0, warn=10.0), SAY2])
    d.finish_sound()
    d.advance(20)
    out = d.send(Announce("no mic"))
    assert CancelTimer(40.0) in out
    assert d.engine.wakeup_at is None  # frozen while the aside is said
    d.advance(5)
    out = d.finish_sound()
    assert StartTimer(40.0, "timer") in out
    assert [s for s in sounds(out)] == []  # the timer carries on silently
    d.advance(39.9)
    assert d.engine.index == 1 and d.engine.phase == "timing"
    d.advance(0.2)
    assert d.engine.phase == "timer_end"


def test_an_announcement_while_paused_stays_paused():
    d = Driver([SAY1, SAY2])
    d.cmd("pause")
    d.finish_sound()
    out = d.send(Announce("no mic"))
    assert sounds(out)[-1].text == "no mic"
    assert not d.engine.paused
    out = d.finish_sound()
    assert d.engine.paused and sounds(out)[-1].text == LINES.paused
    d.cmd("resume")
    assert d.last_sound().text == "first line"


def test_an_announcement_during_help_while_paused_still_returns_to_paused():
    d = Driver([SAY1, SAY2])
    d.cmd("pause")
    d.cmd("help")
    d.send(Announce("no mic"))
    d.finish_sound()
    assert d.engine.paused


def test_an_announcement_at_a_wait_keeps_waiting_without_repeating_the_reminder():
    d = Driver([SayStep("hello", wait_next=True), SAY2])
    d.finish_sound()
    d.finish_sound()  # the "say next" reminder
    d.send(Announce("no mic"))
    out = d.finish_sound()
    assert sounds(out) == [] and d.engine.awaiting_input
    d.cmd("next")
    assert d.last_sound().text == "second line"


def test_an_announcement_while_closing_is_only_traced():
    d = Driver([SAY1])
    d.finish_sound()
    assert d.engine.phase == "closing"
    out = d.send(Announce("no mic"))
    assert out == [Ignored("announce", "the session is closing")]
    d.finish_sound()
    assert d.engine.end_reason == "completed"


def test_an_announcement_before_the_start_or_after_the_end_does_nothing():
    engine = Engine((SAY1,), LINES)
    assert engine.handle(Announce("x"), 0.0) == []
