"""The session as a pure state machine: `handle(event, now)` returns the actions to carry out.

It knows the plan, where the session is, what time is left on a timer, whether it is paused or
asking to confirm a stop, and which voice command said in a turn waits for the room to be quiet.
It knows nothing of audio, threads or wall time: the caller passes `now` (seconds on any monotonic
clock) and calls back with `Tick()` once `wakeup_at` has come.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from voiceguide.events import (
    ADVANCE,
    COMMANDS,
    TOGGLE,
    Action,
    Announce,
    Asking,
    CancelTimer,
    Chime,
    Choice,
    Command,
    End,
    EndReason,
    EnterStep,
    Event,
    Expect,
    Held,
    Ignored,
    InputClosed,
    PlayClip,
    PlaybackDone,
    Speak,
    StartTimer,
    StopAudio,
    Talk,
    Tick,
)
from voiceguide.lang import SystemLines
from voiceguide.plan import ClipStep, PauseStep, PlanStep, SayStep, TimerStep, WaitStep, kind_of

# How long "say stop again" stays open after the question has been asked (real seconds).
STOP_CONFIRM_S = 6.0

Phase = Literal["speaking", "silence", "timing", "timer_end", "waiting", "clip", "closing", "ended"]
# Phases whose sound must start again from the beginning after an interruption.
REPLAYED: frozenset[str] = frozenset({"speaking", "timer_end", "clip", "closing"})
# Phases where the couple talk (a partner has the floor) or keep a silence: a voice command waits
# there until the room has stayed quiet for HOLD_QUIET_S after its words (real seconds, never
# scaled: it is the room's quiet, not the script's time), and is dropped if talk goes on. A short
# reply ("hmm", "well") heard as a command is mostly followed by more talk after a breath; a
# command said to the guide is followed by quiet, since the couple wait for it to act.
# Measured on the virtual sound card: a held "next" ends a turn 1.0 s after the word with 1.0 s
# (1.26 s with 1.2 s: too near the 1.5 s a couple should wait at most, once a busy machine adds
# its delay; the listener takes a word after about 0.3 s of quiet, the rest is the hold). Steady
# room noise alone began "talk" 6 times in 17 minutes of quiet (the soak's stream): a command
# said to the guide is lost to the room about once in 170.
HELD_PHASES: frozenset[str] = frozenset({"timing", "silence"})
HOLD_QUIET_S = 1.0
# What a partner's turn listens for: ending it early, a pause, a stop (the safety line promises
# both, at any time). Repeat, back and help would talk over the partner and are never needed in
# the middle of a turn: said after a pause, they are heard again (while paused, all are). Measured
# on 48 short Korean replies said alone by 4 voices: 9.9 in 100 were taken for a command with the
# turn hearing all but resume, 5.2 with these three (those left are held for quiet besides).
TURN_COMMANDS = ("next", "pause", "stop")


@dataclass
class _Hold:
    """The session is held: paused by the couple, asking to confirm a stop, or saying a short aside
    (help, "this is the first step", a repeated instruction) before carrying on."""

    reason: Literal["pause", "confirm", "aside"]
    remaining: float | None  # on the step's clock
    warn_remaining: float | None
    token: int  # the line said while held
    confirm_until: float | None = None
    resume_to_pause: bool = False  # a stop asked while paused returns to paused
    remind: bool = True  # at a wait, say the "say next" reminder again on carrying on


@dataclass(frozen=True)
class _Waiting:
    """A voice command heard in a turn or a silence, waiting for the room to stay quiet."""

    name: str
    until: float  # carried out at this time if no talk came before
    index: int  # the step and phase it was heard in: if the session moves on, it is let go
    phase: str


class Engine:
    def __init__(
        self,
        plan: tuple[PlanStep, ...],
        lines: SystemLines,
        *,
        time_scale: float = 1.0,
        stop_confirm_s: float = STOP_CONFIRM_S,
        hold_quiet_s: float = HOLD_QUIET_S,
        tokens: Iterator[int] | None = None,
    ) -> None:
        if not plan:
            raise ValueError("an empty plan cannot be played")
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.plan = plan
        self.lines = lines
        self.time_scale = time_scale
        self.stop_confirm_s = stop_confirm_s
        self.hold_quiet_s = hold_quiet_s
        self.index = 0
        self.phase: Phase = "ended"
        self.end_reason: EndReason | None = None
        # Sound tokens; shared with whatever else plays on the same output (the menu), so that a
        # late PlaybackDone from one can never be taken for the other's.
        self._tokens = tokens or itertools.count(1)
        self._playing: int | None = None  # the token whose end moves the session on
        self._deadline: float | None = None
        self._warn_at: float | None = None
        self._hold: _Hold | None = None
        self._waiting: _Waiting | None = None  # a voice command waiting for quiet
        self._input_closed = False
        self._started = False
        self._asking = Asking()

    # ---- what the caller asks ----------------------------------------------------------------

    @property
    def ended(self) -> bool:
        return self.phase == "ended" and self._started

    @property
    def paused(self) -> bool:
        return self._hold is not None and self._hold.reason == "pause"

    @property
    def awaiting_input(self) -> bool:
        """True while the session can only go on when someone says something."""
        if self._hold is not None:
            return self._hold.reason in ("pause", "confirm")
        return self.phase == "waiting"

    @property
    def wakeup_at(self) -> float | None:
        """When the caller must send a `Tick`, or None if nothing is due."""
        if self._hold is not None:
            return self._hold.confirm_until
        waiting = None if self._waiting is None else self._waiting.until
        times = [t for t in (self._deadline, self._warn_at, waiting) if t is not None]
        return min(times) if times else None

    def heard_commands(self) -> tuple[str, ...]:
        """The commands that would do something now. The listener is asked for these alone: a
        word left out of the recogniser's vocabulary is one that talk cannot be mistaken for
        (scripts/soak.py: "계속해" taken as "resume" in the middle of a step, twice an hour)."""
        if self.phase == "closing":
            return ("next", "stop")
        if self._hold is not None and self._hold.reason == "confirm":
            return COMMANDS
        if self._hold is None and self.phase == "timing":
            return TURN_COMMANDS
        left_out = "pause" if self.paused else "resume"
        return tuple(name for name in COMMANDS if name != left_out)

    def start(self, now: float) -> list[Action]:
        if self._started:
            return []
        self._started = True
        return self._listen(self._enter(0, now))

    def handle(self, event: Event, now: float) -> list[Action]:
        return self._listen(self._handle(event, now))

    def _listen(self, actions: list[Action]) -> list[Action]:
        """Ask the listener for what can be said now, before anything is said (when it changed)."""
        if not self._started or self.ended:
            return actions
        return self._asking.before(Expect({}, {}, self.heard_commands()), actions)

    def _handle(self, event: Event, now: float) -> list[Action]:
        if not self._started or self.phase == "ended":
            return []
        if isinstance(event, Tick):
            actions = self._tick(now)
        elif isinstance(event, PlaybackDone):
            actions = self._done(event.token, now)
        elif isinstance(event, Command):
            actions = self._hold_voice(event, now) if self._holds(event) else self._command(event.name, now)
        elif isinstance(event, Talk):
            actions = self._talk()
        elif isinstance(event, InputClosed):
            self._input_closed = True
            actions = []
        elif isinstance(event, Announce):
            actions = self._announce(event.text, now)
        elif isinstance(event, Choice):
            actions = [Ignored(f"choose {event.id}", "an exercise is already playing")]
        else:
            raise TypeError(f"unknown event {event!r}")
        if self._input_closed and self._stuck():
            actions += self._close("stopped", now)
        return actions + self._let_go_if_moved()

    def _stuck(self) -> bool:
        """Waiting for a command that can never come."""
        if self.phase in ("closing", "ended"):
            return False
        return self.paused or (self._hold is None and self.phase == "waiting")

    # ---- steps -------------------------------------------------------------------------------

    def _next_token(self) -> int:
        return next(self._tokens)

    def _scaled(self, seconds: float) -> float:
        return seconds / self.time_scale

    def _enter(self, index: int, now: float) -> list[Action]:
        self._deadline = self._warn_at = None
        self._playing = None
        if index >= len(self.plan):
            return self._close("completed", now)
        self.index = index
        step = self.plan[index]
        actions: list[Action] = [EnterStep(index, kind_of(step), step.line, step.turn)]
        if isinstance(step, SayStep):
            self.phase = "speaking"
        elif isinstance(step, PauseStep):
            self.phase = "silence"
            self._deadline = now + self._scaled(step.seconds)
            actions.append(StartTimer(self._scaled(step.seconds), "pause"))
        elif isinstance(step, TimerStep):
            self.phase = "timing"
            self._deadline = now + self._scaled(step.seconds)
            if step.warn is not None:
                self._warn_at = self._deadline - self._scaled(step.warn)
            actions.append(Chime("start", self._next_token()))
            actions.append(StartTimer(self._scaled(step.seconds), "timer"))
        elif isinstance(step, WaitStep):
            self.phase = "waiting"
            actions.append(self._prompt_ready())
        elif isinstance(step, ClipStep):
            self.phase = "clip"
        return actions + self._play_phase_sound()

    def _prompt_ready(self) -> Speak:
        """The short reminder said at every wait; nothing moves on when it ends."""
        return Speak(self.lines.ready, self._next_token(), system=True)

    def _play_phase_sound(self) -> list[Action]:
        """Start the sound whose end moves the session on, for phases that have one."""
        step = self.plan[self.index] if self.index < len(self.plan) else None
        token = self._next_token()
        if self.phase == "speaking" and isinstance(step, SayStep):
            action: Action = Speak(step.text, token, audio=step.audio, system=step.system)
        elif self.phase == "clip" and isinstance(step, ClipStep):
            if step.path is None:  # the file has gone: nothing to play, go on at once
                action = Speak("", token, system=True)
            else:
                action = PlayClip(step.path, token)
        elif self.phase == "timer_end" and isinstance(step, TimerStep):
            action = Chime("end", token) if step.end_text is None else Speak(step.end_text, token)
        elif self.phase == "closing":
            text = self.lines.closing if self.end_reason == "completed" else self.lines.stopped
            action = Speak(text, token, system=True)
        else:
            return []
        self._playing = token
        return [action]

    def _close(self, reason: EndReason, now: float) -> list[Action]:
        actions: list[Action] = []
        if self._deadline is not None and self.phase in ("timing", "silence"):
            actions.append(CancelTimer(max(0.0, self._deadline - now)))
        self._deadline = self._warn_at = None
        self._hold = None
        self.end_reason = reason
        self.phase = "closing"
        return actions + self._play_phase_sound()

    def _finish(self) -> list[Action]:
        self.phase = "ended"
        self._playing = None
        assert self.end_reason is not None
        return [End(self.end_reason)]

    def _advance(self, now: float) -> list[Action]:
        return self._enter(self.index + 1, now)

    # ---- events ------------------------------------------------------------------------------

    def _tick(self, now: float) -> list[Action]:
        waiting = self._waiting
        if waiting is not None and now >= waiting.until and (self._deadline is None or waiting.until <= self._deadline):
            self._waiting = None  # quiet all along: carried out (before a timer that ends later)
            actions: list[Action] = [Held(waiting.name, "carried_out")]
            actions += self._command(waiting.name, now)
            return actions + (self._tick_clock(now) if self._hold is None else [])
        return self._tick_clock(now)

    def _tick_clock(self, now: float) -> list[Action]:
        hold = self._hold
        if hold is not None:
            if hold.reason == "confirm" and hold.confirm_until is not None and now >= hold.confirm_until:
                if hold.resume_to_pause:  # the paused line says where the session stands
                    return self._release(now, to_pause=True)
                # a question left unanswered must not end in silence: say the session goes on
                return self._hold_for("aside", self.lines.carry_on, now)
            return []
        actions: list[Action] = []
        if self._warn_at is not None and now >= self._warn_at:
            self._warn_at = None
            if self._deadline is not None and now < self._deadline:
                actions.append(Chime("warn", self._next_token()))
        if self._deadline is not None and now >= self._deadline:
            self._deadline = None
            if self.phase == "timing":
                self.phase = "timer_end"
                actions.append(CancelTimer(0.0))
                actions += self._play_phase_sound()
            elif self.phase == "silence":
                actions += self._advance(now)
        return actions

    def _done(self, token: int, now: float) -> list[Action]:
        hold = self._hold
        if hold is not None:
            if token != hold.token:
                return []
            if hold.reason == "aside":
                return self._release(now, to_pause=hold.resume_to_pause)
            if hold.reason == "confirm":
                hold.confirm_until = now + self.stop_confirm_s
            return []
        if token != self._playing:
            return []
        self._playing = None
        if self.phase == "closing":
            return self._finish()
        if self.phase == "speaking":
            step = self.plan[self.index]
            if isinstance(step, SayStep) and step.wait_next:
                self.phase = "waiting"
                return [self._prompt_ready()]
            return self._advance(now)
        if self.phase in ("clip", "timer_end"):
            return self._advance(now)
        return []

    def _command(self, name: str, now: float) -> list[Action]:
        hold = self._hold
        if name == TOGGLE:  # space answers "resume to carry on" as it answers "Paused"
            name = "resume" if self.paused or (hold is not None and hold.reason == "confirm") else "pause"
        if name == ADVANCE:
            name = "resume" if hold is not None and hold.reason in ("pause", "confirm") else "next"
        if self.phase == "closing":
            if name in ("stop", "next"):
                return [StopAudio()] + self._finish()
            return [Ignored(name, "the session is closing")]
        if hold is not None and hold.reason == "confirm":
            if name == "stop":
                return [StopAudio()] + self._close("stopped", now)
            actions = self._release(now, to_pause=hold.resume_to_pause or name == "pause")
            if name in ("resume", "pause"):
                return actions
            return actions + self._command(name, now)
        if name == "stop":
            return self._hold_for("confirm", self.lines.confirm_stop, now)
        if name == "pause":
            if self.paused:
                return [Ignored(name, "already paused")]
            return self._hold_for("pause", self.lines.paused, now)
        if name == "resume":
            if hold is None or hold.reason != "pause":
                return [Ignored(name, "not paused")]
            return self._release(now)
        if name == "help":
            return self._hold_for("aside", self.lines.spoken_help, now)
        # next, repeat and back carry on from a pause or an aside
        actions = self._drop_hold(now) if hold is not None else []
        if name == "next":
            return actions + self._next(now)
        if name == "repeat":
            return actions + self._repeat(now)
        if name == "back":
            return actions + self._back(now)
        return actions + [Ignored(name, "unknown command")]

    def _announce(self, text: str, now: float) -> list[Action]:
        """An aside from outside the script. While the closing line plays there is nothing left to
        interrupt: it is only traced. A pending stop confirmation is let go, as any other word does."""
        if self.phase == "closing":
            return [Ignored("announce", "the session is closing")]
        return self._hold_for("aside", text, now, remind=False)  # news, not a turn in the talk

    # ---- commands ----------------------------------------------------------------------------

    def _next(self, now: float) -> list[Action]:
        actions: list[Action] = []
        if self._playing is not None or self.phase == "waiting":  # the "say next" reminder too
            actions.append(StopAudio())
            self._playing = None
        if self.phase == "timing":
            # end the turn early, with its usual ending cue
            actions.append(CancelTimer(max(0.0, (self._deadline or now) - now)))
            self._deadline = self._warn_at = None
            self.phase = "timer_end"
            return actions + self._play_phase_sound()
        if self.phase == "silence":
            actions.append(CancelTimer(max(0.0, (self._deadline or now) - now)))
        return actions + self._advance(now)

    def _instruction_index(self) -> int | None:
        """The spoken step the current activity belongs to: this one, or the last one before it."""
        for i in range(self.index, -1, -1):
            if isinstance(self.plan[i], SayStep):
                return i
        return None

    def _repeat(self, now: float) -> list[Action]:
        if self.phase == "speaking":
            return [StopAudio()] + self._play_phase_sound()
        i = self._instruction_index()
        if i is None:
            return self._hold_for("aside", self.lines.first_step, now)
        step = self.plan[i]
        assert isinstance(step, SayStep)
        return self._hold_for("aside", step.text, now, audio=step.audio)

    def _back(self, now: float) -> list[Action]:
        target = next((i for i in range(self.index - 1, -1, -1) if isinstance(self.plan[i], SayStep)), None)
        if target is None:
            return self._hold_for("aside", self.lines.first_step, now)
        actions: list[Action] = []
        if self._playing is not None or self.phase == "waiting":
            actions.append(StopAudio())
        if self._deadline is not None and self.phase in ("timing", "silence"):
            actions.append(CancelTimer(max(0.0, self._deadline - now)))
        return actions + self._enter(target, now)

    # ---- voice commands waiting for quiet ------------------------------------------------------

    def _holds(self, event: Command) -> bool:
        """A voice command in a turn or a silence waits; keys and buttons are deliberate and act at
        once, and so does everything said at a waiting point, while paused, to answer a question or
        over the guide's voice (barge-in: the guide sounds in none of these phases)."""
        return event.source == "voice" and self._hold is None and self.phase in HELD_PHASES

    def _hold_voice(self, event: Command, now: float) -> list[Action]:
        actions: list[Action] = []
        if self._waiting is not None:  # a second command: the first had talk after it
            actions.append(Held(self._waiting.name, "dropped", "another command came"))
        wait = max(0.0, self.hold_quiet_s - max(0.0, event.quiet_s))
        self._waiting = _Waiting(event.name, now + wait, self.index, self.phase)
        return actions + [Held(event.name, "held")]

    def _talk(self) -> list[Action]:
        if self._waiting is None:
            return []
        name, self._waiting = self._waiting.name, None
        return [Held(name, "dropped", "talk went on")]

    def _let_go_if_moved(self) -> list[Action]:
        """A held command belongs to the moment it was said in: once the turn has ended, the
        session has moved on or is held (a key, a button, the timer running out), it is dropped."""
        waiting = self._waiting
        if waiting is None:
            return []
        if self._hold is None and (self.index, self.phase) == (waiting.index, waiting.phase):
            return []
        self._waiting = None
        return [Held(waiting.name, "dropped", "the session moved on")]

    # ---- holding -----------------------------------------------------------------------------

    def _hold_for(
        self, reason: Literal["pause", "confirm", "aside"], text: str, now: float, audio: Path | None = None,
        remind: bool = True,
    ) -> list[Action]:
        """Freeze the step (sound stopped, timer frozen) and say `text`."""
        actions: list[Action] = []
        previous = self._hold
        if previous is not None:
            remaining, warn_remaining = previous.remaining, previous.warn_remaining
        else:
            remaining = None if self._deadline is None else max(0.0, self._deadline - now)
            warn_remaining = None if self._warn_at is None else max(0.0, self._warn_at - now)
            if remaining is not None:
                actions.append(CancelTimer(remaining))
        actions.append(StopAudio())
        self._deadline = self._warn_at = None
        self._playing = None
        token = self._next_token()
        self._hold = _Hold(
            reason,
            remaining,
            warn_remaining,
            token,
            resume_to_pause=reason != "pause" and previous is not None
            and (previous.reason == "pause" or previous.resume_to_pause),
            remind=remind,
        )
        actions.append(Speak(text, token, audio=audio, system=audio is None))
        return actions

    def _drop_hold(self, now: float) -> list[Action]:
        """Leave a hold without resuming the step (the caller moves elsewhere)."""
        hold = self._hold
        self._hold = None
        actions: list[Action] = [StopAudio()]
        if hold is not None and hold.remaining is not None:
            self._deadline = now + hold.remaining
            self._warn_at = None if hold.warn_remaining is None else now + hold.warn_remaining
        return actions

    def _release(self, now: float, to_pause: bool = False) -> list[Action]:
        """Carry on where the step was frozen: the timer with the time it had left, the
        interrupted sound from its beginning, and at a wait the reminder of what to say (else
        nothing would tell the couple the session is back). `to_pause` goes from one hold to
        the pause straight away: the step's clock stays frozen, so no timer is stopped twice."""
        hold = self._hold
        assert hold is not None
        if to_pause:
            return self._hold_for("pause", self.lines.paused, now)
        actions = self._drop_hold(now)
        if hold.remaining is not None:
            purpose = "timer" if self.phase == "timing" else "pause"
            actions.append(StartTimer(hold.remaining, purpose))
        if self.phase in REPLAYED:
            actions += self._play_phase_sound()
        elif self.phase == "waiting" and hold.remind and not self._input_closed:  # else nobody can answer
            actions.append(self._prompt_ready())
        return actions
