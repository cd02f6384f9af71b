"""The only place with threads and a clock: one event queue, one loop that feeds the engine and
carries out its actions. Adapters (keys, listener, audio out) post events onto the bus from their
own threads; only the loop changes session state.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from voiceguide.events import (
    Action,
    Chime,
    End,
    Event,
    InputClosed,
    PlayClip,
    Playback,
    Speak,
    StopAudio,
    Talk,
    Tick,
)

Observer = Callable[[float, "Event | Action"], None]


class _Wake:
    """Put on the queue to make the loop look at its timed events again."""


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds: what the engine's timers run on."""

    def wall(self) -> float:
        """Seconds since the epoch, for the trace."""

    def wait(self, q: queue.Queue[object], timeout: float | None) -> object | None:
        """The next item on `q`, or None once `timeout` seconds have passed."""


class RealClock:
    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    def wait(self, q: queue.Queue[object], timeout: float | None) -> object | None:
        try:
            return q.get(timeout=timeout)
        except queue.Empty:
            return None


class VirtualClock:
    """Time that jumps straight to the next thing due: renders a whole session in a moment."""

    def __init__(self, start: float = 0.0, wall_start: float = 0.0) -> None:
        self.t = start
        self._wall_offset = wall_start - start

    def now(self) -> float:
        return self.t

    def wall(self) -> float:
        return self.t + self._wall_offset

    def wait(self, q: queue.Queue[object], timeout: float | None) -> object | None:
        try:
            return q.get_nowait()
        except queue.Empty:
            pass
        if timeout is None:
            return self.idle()
        self.t += max(0.0, timeout)
        return None

    def idle(self) -> object:
        """Nothing is queued and nothing is due: what happens next (a subclass may say)."""
        raise RuntimeError("virtual time: nothing will ever happen (no event and no timer)")


class Bus:
    """Where adapters post events, now or after a delay, from any thread."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.queue: queue.Queue[object] = queue.Queue()
        self._timed: list[tuple[float, int, Event]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        # Set while the session waits for someone to say something (paces scripted stdin).
        self.awaiting_input = threading.Event()
        self.line_pending = threading.Event()  # a paced stdin line is on its way to the engine
        self.closed = threading.Event()
        self.input_closed = threading.Event()  # sticky: no command can ever come again

    def post(self, event: Event) -> None:
        self.queue.put(event)

    def post_after(self, delay: float, event: Event) -> None:
        with self._lock:
            heapq.heappush(self._timed, (self.clock.now() + delay, next(self._seq), event))
        self.queue.put(_Wake())

    def next_due(self) -> float | None:
        with self._lock:
            return self._timed[0][0] if self._timed else None

    def pop_due(self, now: float) -> list[Event]:
        due = []
        with self._lock:
            while self._timed and self._timed[0][0] <= now:
                due.append(heapq.heappop(self._timed)[2])
        return due


class Output(Protocol):
    """Audio out (or its text stand-in). `play` returns at once and posts PlaybackDone(token) on the
    bus when the sound has finished; a sound cut short by `stop` posts nothing."""

    def play(self, sound: Playback) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


class Machine(Protocol):
    """What the runner drives: the session engine, or the menu."""

    @property
    def ended(self) -> bool: ...

    @property
    def awaiting_input(self) -> bool: ...

    @property
    def wakeup_at(self) -> float | None: ...

    @property
    def end_reason(self) -> str | None: ...

    def start(self, now: float) -> list[Action]: ...

    def handle(self, event: Event, now: float) -> list[Action]: ...


class Runner:
    def __init__(
        self,
        engine: Machine,
        bus: Bus,
        output: Output,
        observers: Iterable[Observer] = (),
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.clock = bus.clock
        self.output = output
        self.observers = list(observers)

    def run(self) -> str:
        engine, clock = self.engine, self.clock
        self._carry_out(engine.start(clock.now()))
        if self.bus.input_closed.is_set():
            self._feed(InputClosed())
        while not engine.ended:
            if engine.awaiting_input and not self.bus.line_pending.is_set():
                self.bus.awaiting_input.set()
            else:
                self.bus.awaiting_input.clear()
            now = clock.now()
            wake = [t for t in (engine.wakeup_at, self.bus.next_due()) if t is not None]
            timeout = max(0.0, min(wake) - now) if wake else None
            item = clock.wait(self.bus.queue, timeout)
            now = clock.now()
            for event in self.bus.pop_due(now):
                self._feed(event)
            if isinstance(item, _Wake) or item is None:
                pass
            else:
                self._feed(item)  # type: ignore[arg-type]
            wakeup = engine.wakeup_at
            if wakeup is not None and clock.now() >= wakeup and not engine.ended:
                self._feed(Tick())
        self.bus.awaiting_input.clear()
        assert engine.end_reason is not None
        return engine.end_reason

    def _feed(self, event: Event) -> None:
        if self.engine.ended:
            return
        if getattr(event, "source", None) == "stdin":
            self.bus.line_pending.clear()
        if not isinstance(event, (Tick, Talk)):  # frequent; what they do shows in the actions
            self._observe(event)
        self._carry_out(self.engine.handle(event, self.clock.now()))

    def _carry_out(self, actions: list[Action]) -> None:
        for action in actions:
            self._observe(action)
            if isinstance(action, (Speak, PlayClip, Chime)):
                self.output.play(action)
            elif isinstance(action, StopAudio):
                self.output.stop()
            elif isinstance(action, End):
                self.output.stop()

    def _observe(self, message: Event | Action) -> None:
        wall = self.clock.wall()
        for observer in self.observers:
            observer(wall, message)
