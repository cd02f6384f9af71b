"""The button's thread: edges from a source, through the press recogniser and the mapping, onto the
bus as Command events (source "button"), like keys and voice. A device that is missing or goes away
is said once on stderr; the session goes on, and the device is tried again every `retry_s` until it
is back, as the listener does with a microphone."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from voiceguide.button.mapping import ButtonMap, Context
from voiceguide.button.presses import PressRecogniser, Timing
from voiceguide.button.sources import ButtonMissing, ButtonSource
from voiceguide.events import Command
from voiceguide.runner import Bus

if TYPE_CHECKING:
    from voiceguide.settings import Settings

POLL_S = 0.25  # the longest a read waits, so that `stop` is never kept waiting long


class ButtonInput:
    def __init__(
        self,
        bus: Bus,
        source: ButtonSource,
        mapping: ButtonMap,
        context: Callable[[], Context] = lambda: "session",
        *,
        timing: Timing = Timing(),
        clock: Callable[[], float] = time.monotonic,
        warn: Callable[[str], None] | None = None,
        retry_s: float = 2.0,
        on_gesture: Callable[[str, str | None], None] | None = None,
        carry_on: str = "going on with voice and keys",
    ) -> None:
        self.bus = bus
        self.source = source
        self.mapping = mapping
        self.context = context
        self.clock = clock
        self.recogniser = PressRecogniser(timing, clock)
        self.warn = warn or (lambda text: print(f"voiceguide: {text}", file=sys.stderr, flush=True))
        self.retry_s = retry_s
        self.on_gesture = on_gesture  # (gesture, command or None): `voiceguide buttons` shows them
        self.carry_on = carry_on  # what happens meanwhile, said with a missing button
        self.opened = False
        self.lost = False  # said that it is missing, not yet that it is back
        self.given_up = False  # missing, and not worth trying again (a GPIO pin)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="button", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2 * POLL_S + 1.0)
        self.source.close()

    def _run(self) -> None:
        while not self._stopping.is_set() and not self.given_up:
            if not self.step(POLL_S):
                self._stopping.wait(self.retry_s)

    def step(self, wait: float) -> bool:
        """One round: open the source if it is closed, read what it has (waiting up to `wait`, or
        less when a gesture falls due), and post the commands. False while the source is missing."""
        if not self.opened and not self._open():
            return False
        due = self.recogniser.next_due()
        timeout = wait if due is None else min(wait, max(0.0, due - self.clock()))
        try:
            edges = self.source.read(timeout)
        except ButtonMissing as exc:
            self.source.close()
            self.opened = False
            self.recogniser.reset()  # a press cut off by unplugging means nothing
            self._missing(exc)
            return False
        gestures: list[str] = []
        for kind, pressed, t in edges:
            if kind == "previous":
                if pressed:
                    gestures += self.recogniser.poll(t) + ["previous"]
            else:
                gestures += self.recogniser.down(t) if pressed else self.recogniser.up(t)
        gestures += self.recogniser.poll()
        for gesture in gestures:
            self._post(gesture)
        return True

    def _open(self) -> bool:
        try:
            self.source.open()
        except ButtonMissing as exc:
            self._missing(exc)
            if not self.source.live:
                self.given_up = True
            return False
        self.opened = True
        if self.lost:
            self.lost = False
            self.warn(f"button {self.source.name} is back")
        return True

    def _missing(self, exc: ButtonMissing) -> None:
        if self.lost:
            return
        self.lost = True
        again = "; it is used again as soon as it is back" if self.source.live else ""
        self.warn(f"{exc}{': ' + self.carry_on if self.carry_on else ''}{again}")

    def _post(self, gesture: str) -> None:
        name = self.mapping.command(self.context(), gesture)
        if self.on_gesture is not None:
            self.on_gesture(gesture, name)
        if name is not None and not self.bus.closed.is_set():
            self.bus.post(Command(name, source="button", text=gesture))


def start_button(
    bus: Bus,
    settings: Settings,
    context: Callable[[], Context] = lambda: "session",
    *,
    warn: Callable[[str], None] | None = None,
) -> list[ButtonInput]:
    """The buttons the settings name (a GPIO pin, an input device, or both), started."""
    from voiceguide.button.mapping import parse
    from voiceguide.button.options import gpio_pin
    from voiceguide.button.sources import GpioSource, KeyDeviceSource

    mapping = parse(settings.button_map)
    sources: list[ButtonSource] = []
    pin = gpio_pin(settings)
    if pin is not None:
        sources.append(GpioSource(pin, pull_up=settings.button_pull == "up"))
    if settings.button_device:
        sources.append(KeyDeviceSource(settings.button_device))
    inputs = [ButtonInput(bus, source, mapping, context, warn=warn) for source in sources]
    for button in inputs:
        button.start()
    return inputs
