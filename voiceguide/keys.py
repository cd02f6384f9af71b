"""Commands from the keyboard (a terminal) or from stdin lines (a pipe), posted as Command events.

Lines from a pipe are handed in one at a time, each when the session next waits for someone to
speak (a `wait: next`, a pause, a stop question), so `printf 'next\\n...' | voiceguide play ...`
walks a whole session the same way every time.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import termios
import threading
import tty
from collections.abc import Callable, Iterator
from typing import TextIO

from voiceguide.events import COMMANDS, MENU_COMMANDS, TOGGLE, Command, Event, InputClosed
from voiceguide.runner import Bus

KEYMAP = {
    "n": "next",
    "\n": "next",
    "\r": "next",
    " ": TOGGLE,
    "p": "pause",
    "r": "repeat",
    "b": "back",
    "q": "stop",
    "h": "help",
    "?": "help",
}

HELP = "keys: n/Enter next · space pause/resume · r repeat · b back · q stop · h help"


def parse_line(line: str) -> Command | None:
    word = line.strip().lower()
    if word in COMMANDS or word in MENU_COMMANDS:
        return Command(word, source="stdin")
    if word and word in KEYMAP:
        return Command(KEYMAP[word], source="stdin")
    return None


class LineInput:
    """Stdin as a pipe: one command per line, paced by the session."""

    def __init__(
        self,
        bus: Bus,
        stream: TextIO,
        *,
        close_when_done: bool,
        warn: TextIO | None = None,
        parse: Callable[[str], Event | None] = parse_line,
    ) -> None:
        self.bus = bus
        self.parse = parse
        self.stream = stream
        self.close_when_done = close_when_done  # post InputClosed at EOF (voice is off)
        self.warn = warn or sys.stderr
        self.thread = threading.Thread(target=self._run, name="stdin-commands", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        for raw in self.stream:
            if not raw.strip():
                continue
            while not self.bus.awaiting_input.wait(0.1):
                if self.bus.closed.is_set():
                    return
            if self.bus.closed.is_set():
                return
            event = self.parse(raw)  # now, not on reading: what a line means depends on the moment
            if event is None:
                print(f"voiceguide: ignoring unknown command {raw.strip()!r} on stdin", file=self.warn)
                continue
            self.bus.line_pending.set()
            self.bus.awaiting_input.clear()
            self.bus.post(event)
        if self.close_when_done and not self.bus.closed.is_set():
            self.bus.input_closed.set()
            self.bus.post(InputClosed())


class KeyInput:
    """A terminal: single key presses, read without waiting for Enter."""

    def __init__(self, bus: Bus, fd: int | None = None, extra: Callable[[str], Event | None] | None = None) -> None:
        self.bus = bus
        self.extra = extra  # keys beyond the command keys (the menu's number keys)
        self.fd = sys.stdin.fileno() if fd is None else fd
        self.thread = threading.Thread(target=self._run, name="keys", daemon=True)
        self._stop_r, self._stop_w = os.pipe()

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._stop_w, b"x")
        self.thread.join(timeout=1.0)

    def _run(self) -> None:
        with _cbreak(self.fd):
            while True:
                ready, _, _ = select.select([self.fd, self._stop_r], [], [])
                if self._stop_r in ready:
                    return
                try:
                    data = os.read(self.fd, 32)
                except OSError:
                    return
                if not data:
                    return
                for ch in data.decode("utf-8", "replace"):
                    name = KEYMAP.get(ch.lower())
                    if name:
                        self.bus.post(Command(name, source="keys"))
                    elif self.extra is not None and (event := self.extra(ch)) is not None:
                        self.bus.post(event)


@contextlib.contextmanager
def _cbreak(fd: int) -> Iterator[None]:
    """Keys arrive one by one and are not echoed; the terminal is restored however we leave."""
    try:
        old = termios.tcgetattr(fd)
    except (OSError, termios.error):
        yield
        return
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
