"""A push button on a GPIO pin, through gpiozero's mock pins: the real gpiozero Button and its
callbacks, our recogniser and thread on top, on a hand-moved clock."""

from __future__ import annotations

from gpiozero.pins import mock  # the test extra brings gpiozero: these tests must run in CI

from tests.fakes import FakeClock
from voiceguide.button.input import ButtonInput
from voiceguide.button.mapping import parse
from voiceguide.button.sources import GpioSource
from voiceguide.events import ADVANCE, TOGGLE
from voiceguide.runner import Bus, VirtualClock

PIN = 17


class Rig:
    """A mock pin with the button on it (pulled up: pressed is low), and the commands it posted."""

    def __init__(self, pull_up: bool = True) -> None:
        self.clock = FakeClock(0.0)
        self.factory = mock.MockFactory()
        self.source = GpioSource(PIN, pull_up=pull_up, factory=self.factory, clock=self.clock)
        self.bus = Bus(VirtualClock())
        self.warnings: list[str] = []
        self.button = ButtonInput(self.bus, self.source, parse(None), clock=self.clock, warn=self.warnings.append)
        assert self.button.step(0)
        self.pin = self.factory.pin(PIN)
        self.pull_up = pull_up

    def press(self) -> None:
        self.pin.drive_low() if self.pull_up else self.pin.drive_high()

    def release(self) -> None:
        self.pin.drive_high() if self.pull_up else self.pin.drive_low()

    def at(self, t: float) -> None:
        self.clock.t = t
        self.button.step(0)

    def commands(self) -> list[tuple[str, str | None, str]]:
        out = []
        while not self.bus.queue.empty():
            c = self.bus.queue.get()
            out.append((c.name, c.text, c.source))
        return out


def test_a_press_is_next_from_the_button():
    rig = Rig()
    rig.press()
    rig.at(0.15)
    rig.release()
    rig.at(0.3)
    assert rig.commands() == []  # a second press could still make it a double
    rig.at(0.6)
    assert rig.commands() == [(ADVANCE, "short", "button")]
    assert rig.warnings == []


def test_a_long_press_pauses_while_still_held():
    rig = Rig()
    rig.press()
    rig.at(0.5)
    assert rig.commands() == []
    rig.at(0.9)
    assert rig.commands() == [(TOGGLE, "long", "button")]
    rig.release()
    rig.at(2.0)
    assert rig.commands() == []


def test_a_double_press_repeats():
    rig = Rig()
    rig.press()
    rig.at(0.1)
    rig.release()
    rig.at(0.25)
    rig.press()
    rig.at(0.3)
    assert rig.commands() == [("repeat", "double", "button")]
    rig.release()
    rig.at(1.5)
    assert rig.commands() == []


def test_a_bouncing_contact_is_one_press():
    rig = Rig()
    for t, down in [(0.0, True), (0.002, False), (0.004, True), (0.007, False), (0.009, True)]:
        rig.clock.t = t
        rig.press() if down else rig.release()
    rig.at(0.2)
    for t, down in [(0.2, False), (0.203, True), (0.205, False), (0.209, True), (0.212, False)]:
        rig.clock.t = t
        rig.press() if down else rig.release()
    rig.at(0.3)
    rig.at(1.0)
    assert rig.commands() == [(ADVANCE, "short", "button")]


def test_a_button_wired_to_3v3_with_a_pull_down_works_the_same():
    rig = Rig(pull_up=False)
    rig.press()
    rig.at(1.0)
    assert rig.commands() == [(TOGGLE, "long", "button")]


def test_a_pin_that_does_not_exist_is_a_warning_not_an_error():
    factory = mock.MockFactory()
    warnings: list[str] = []
    button = ButtonInput(Bus(VirtualClock()), GpioSource("GPIO99", factory=factory), parse(None), warn=warnings.append)
    assert not button.step(0)
    assert button.given_up and len(warnings) == 1
    assert "GPIO99" in warnings[0] and "going on with voice and keys" in warnings[0]


def test_the_pin_is_let_go_when_the_button_stops():
    rig = Rig()
    rig.button.stop()
    again = GpioSource(PIN, factory=rig.factory)
    again.open()  # would fail with "pin already in use" if it had been kept
    again.close()
