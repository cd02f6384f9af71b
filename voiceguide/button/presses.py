"""Press patterns from one button's raw down/up edges: short, long and double presses.

Pure and clocked from outside (every call takes the time, or asks the injected clock), so every
pattern, and the debounce, is tested in microseconds. A person with one button learns three
gestures at most; anything finer is missed in a dim room.

Why these rules:
- Debounce by lockout: the first edge counts at once (no added delay), and edges in the next
  `debounce_s` are only remembered; if the button has settled in the other state by then, that
  change counts too (so a very quick tap is not lost as a never-ending hold).
- A long press fires while the button is still held, once `long_s` has passed: the guide reacts
  under the finger, and the release after it means nothing.
- A short press fires only when no second press follows within `double_s` of its release (that
  is the price of having a double press); the second press of a double fires on its way down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Gesture = Literal["short", "long", "double"]


@dataclass(frozen=True)
class Timing:
    debounce_s: float = 0.03
    long_s: float = 0.8  # "about a second": people who mean to hold let go at 0.8-1.2 s
    double_s: float = 0.35  # from the first release to the second press


class PressRecogniser:
    def __init__(self, timing: Timing = Timing(), clock: Callable[[], float] = time.monotonic) -> None:
        self.timing = timing
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        """Forget everything (the device went away in the middle of a press)."""
        self._raw = False  # what the last edge said
        self._raw_t = float("-inf")
        self._stable = False  # the debounced state
        self._edge_t = float("-inf")  # when the debounced state last changed
        self._press_t: float | None = None  # the press being held, if it can still become a gesture
        self._released_t: float | None = None  # a short press waiting to see if a second one follows

    @property
    def pressed(self) -> bool:
        return self._stable

    def down(self, t: float | None = None) -> list[Gesture]:
        return self._edge(True, self.clock() if t is None else t)

    def up(self, t: float | None = None) -> list[Gesture]:
        return self._edge(False, self.clock() if t is None else t)

    def poll(self, t: float | None = None) -> list[Gesture]:
        """The gestures whose time has come by `t` (call it by `next_due()`)."""
        t = self.clock() if t is None else t
        out = self._settle(t)
        return out + self._timers(t)

    def next_due(self) -> float | None:
        """When `poll` may have something to say, or None while nothing is pending."""
        due = []
        if self._raw != self._stable:
            due.append(self._edge_t + self.timing.debounce_s)
        if self._stable and self._press_t is not None:
            due.append(self._press_t + self.timing.long_s)
        if self._released_t is not None:
            due.append(self._released_t + self.timing.double_s)
        return min(due) if due else None

    # ---- inner workings ----------------------------------------------------------------------

    def _edge(self, pressed: bool, t: float) -> list[Gesture]:
        out = self._settle(t) + self._timers(t)
        if pressed == self._raw:
            return out  # a repeat of what we know (key auto-repeat, a second callback)
        self._raw, self._raw_t = pressed, t
        if pressed != self._stable and t - self._edge_t >= self.timing.debounce_s:
            out += self._accept(pressed, t)
        return out

    def _settle(self, t: float) -> list[Gesture]:
        """An edge held back by the lockout counts once the lockout is over, if it still stands."""
        settle_at = self._edge_t + self.timing.debounce_s
        if self._raw != self._stable and t >= settle_at:
            when = max(self._raw_t, settle_at)
            return self._timers(when) + self._accept(self._raw, when)
        return []

    def _timers(self, t: float) -> list[Gesture]:
        if self._stable and self._press_t is not None and t >= self._press_t + self.timing.long_s:
            self._press_t = None
            return ["long"]
        if self._released_t is not None and t >= self._released_t + self.timing.double_s:
            self._released_t = None
            return ["short"]
        return []

    def _accept(self, pressed: bool, t: float) -> list[Gesture]:
        self._stable, self._edge_t = pressed, t
        if pressed:
            if self._released_t is not None:  # the second press of a double
                self._released_t = None
                self._press_t = None  # its release means nothing
                return ["double"]
            self._press_t = t
            return []
        start, self._press_t = self._press_t, None
        if start is None:  # the press already counted (long, or the second of a double)
            return []
        if t - start >= self.timing.long_s:
            return ["long"]
        if self.timing.double_s <= 0:
            return ["short"]
        self._released_t = t
        return []
