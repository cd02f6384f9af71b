"""What the guide is sounding right now, shared between audio out and the listener.

The listener reads it to avoid hearing the guide's own voice; audio out writes it. Thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class PlayState:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._active = 0
        self._text: str | None = None
        self._ended_at = float("-inf")

    def begin(self, text: str | None = None) -> None:
        """A sound started (text: the words being spoken, if it is speech)."""
        with self._lock:
            self._active += 1
            self._text = text

    def end(self) -> None:
        """A sound ended or was stopped."""
        with self._lock:
            self._active = max(0, self._active - 1)
            if self._active == 0:
                self._ended_at = self._clock()
                self._text = None

    def busy(self, tail_s: float = 0.0) -> bool:
        """True while a sound plays, and for `tail_s` seconds after the last one ended."""
        with self._lock:
            return self._active > 0 or self._clock() - self._ended_at < tail_s

    @property
    def text(self) -> str | None:
        with self._lock:
            return self._text
