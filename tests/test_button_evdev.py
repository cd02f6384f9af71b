"""A key-sending input device as a button: kernel events (type, code, value) from a fake device
that follows the kernel's format, and a real virtual device through uinput where there is one."""

from __future__ import annotations

import os
import time
from pathlib import Path

import evdev  # the test extra brings it: these tests must run in CI
import pytest

from tests.fakes import FakeClock, FakeKernelDevice
from voiceguide.button.input import ButtonInput
from voiceguide.button.mapping import parse
from voiceguide.button.sources import (
    KEY_PAGEUP,
    ButtonMissing,
    KeyDeviceSource,
    check_device_path,
    edges_from,
)
from voiceguide.events import ADVANCE, TOGGLE
from voiceguide.runner import Bus, VirtualClock

KEY_PAGEDOWN, KEY_B = evdev.ecodes.KEY_PAGEDOWN, evdev.ecodes.KEY_B
key = FakeKernelDevice.key
DEVICES = [("/dev/input/event3", "AT Translated Set 2 keyboard", ["KEY_A"]),
           ("/dev/input/event7", "Logitech USB Receiver", ["KEY_PAGEUP", "KEY_PAGEDOWN"])]


def test_kernel_events_become_edges_and_auto_repeat_is_no_new_press():
    events = key(KEY_PAGEDOWN, 1, 2, 2, 2, 0) + key(KEY_PAGEUP, 1, 0) + [(2, 0, 5)]  # and a mouse move
    assert edges_from(events, 1.0) == [("main", True, 1.0), ("main", False, 1.0),
                                       ("previous", True, 1.0), ("previous", False, 1.0)]


class Rig:
    def __init__(self, script, spec="logitech", lister=lambda: DEVICES):
        self.clock = FakeClock(0.0)
        self.devices: list[FakeKernelDevice] = []
        self.scripts = list(script)  # one script per open
        self.opened_paths: list[str] = []

        def opener(path):
            self.opened_paths.append(path)
            dev = FakeKernelDevice(self.scripts.pop(0), self.clock)
            self.devices.append(dev)
            return dev

        self.source = KeyDeviceSource(spec, clock=self.clock, opener=opener, lister=lister)
        self.bus = Bus(VirtualClock())
        self.warnings: list[str] = []
        self.button = ButtonInput(self.bus, self.source, parse(None), clock=self.clock, warn=self.warnings.append)

    def run(self, until: float) -> list[tuple[str, str | None]]:
        """Step the button's thread by hand until the (fake) clock reaches `until`."""
        rounds = 0
        while self.clock.t < until and rounds < 10_000:
            if not self.button.step(0.1):
                break
            rounds += 1
        out = []
        while not self.bus.queue.empty():
            c = self.bus.queue.get()
            assert c.source == "button"
            out.append((c.name, c.text))
        return out


def test_a_clicker_found_by_name_is_grabbed_and_its_keys_are_presses():
    rig = Rig([[
        (0.0, key(KEY_PAGEDOWN, 1)), (0.12, key(KEY_PAGEDOWN, 0)),  # short
        (2.0, key(KEY_PAGEDOWN, 1)), *[(2.0 + 0.03 * i, key(KEY_PAGEDOWN, 2)) for i in range(17, 40)],  # held, repeating
        (3.5, key(KEY_PAGEDOWN, 0)),
        (5.0, key(KEY_B, 1)), (5.05, key(KEY_B, 0)), (5.2, key(KEY_B, 1)), (5.25, key(KEY_B, 0)),  # double, any key
        (7.0, key(KEY_PAGEUP, 1)), (7.1, key(KEY_PAGEUP, 0)),  # the clicker's back key
    ]])
    got = rig.run(9.0)
    assert rig.opened_paths == ["/dev/input/event7"] and rig.devices[0].grabbed
    assert got == [(ADVANCE, "short"), (TOGGLE, "long"), ("repeat", "double"), ("back", "previous")]


def test_an_unplugged_clicker_is_one_warning_and_is_taken_again_when_plugged_back_in():
    plugged: list = [DEVICES]  # type: ignore[type-arg]
    rig = Rig([[(0.0, key(KEY_PAGEDOWN, 1)), "unplug"],
               [(10.0, key(KEY_PAGEDOWN, 1)), (10.1, key(KEY_PAGEDOWN, 0))]], lister=lambda: plugged[0])
    rig.run(1.0)
    assert rig.devices[0].closed and len(rig.warnings) == 1 and "went away" in rig.warnings[0]
    plugged[0] = DEVICES[:1]  # gone from the list too
    assert not rig.button.step(0) and len(rig.warnings) == 1
    plugged[0] = DEVICES
    got = rig.run(12.0)
    assert rig.warnings[1].startswith("button Fake Presenter") and rig.warnings[1].endswith("is back")
    assert got == [(ADVANCE, "short")]  # and the press cut off by the unplugging was forgotten


def test_a_name_matches_exactly_first_then_as_part():
    devices = [("/dev/input/event1", "Pedal Pro", []), ("/dev/input/event2", "pedal", [])]
    rig = Rig([[]], spec="PEDAL", lister=lambda: devices)
    rig.source.open()
    assert rig.opened_paths == ["/dev/input/event2"]


def test_a_receiver_seen_as_a_mouse_too_is_taken_where_its_keys_come_from():
    devices = [("/dev/input/event4", "Presenter Receiver Mouse", ["BTN_LEFT", "BTN_RIGHT"]),
               ("/dev/input/event5", "Presenter Receiver", ["KEY_PAGEUP", "KEY_PAGEDOWN"])]
    rig = Rig([[]], spec="presenter", lister=lambda: devices)
    rig.source.open()
    assert rig.opened_paths == ["/dev/input/event5"]


def test_no_such_device_is_a_clear_message():
    rig = Rig([], spec="Nothing like it")
    with pytest.raises(ButtonMissing, match="no input device named 'Nothing like it' is plugged in"):
        rig.source.open()


def test_a_device_held_by_another_program_is_not_used():
    class Busy(FakeKernelDevice):
        def grab(self):
            import errno

            raise OSError(errno.EBUSY, "Device or resource busy")

    source = KeyDeviceSource("logitech", opener=lambda path: Busy([], FakeClock()), lister=lambda: DEVICES)
    with pytest.raises(ButtonMissing, match="another program holds it"):
        source.open()


@pytest.mark.parametrize("spec", ["/etc/passwd", "/dev/null", "/dev/input/../../etc/passwd", "relative/path"])
def test_a_path_outside_the_input_devices_is_never_opened(spec):
    opened = []
    source = KeyDeviceSource(spec, opener=lambda path: opened.append(path))  # type: ignore[arg-type,func-returns-value]
    with pytest.raises(ButtonMissing):
        source.open()
    assert opened == []


def test_a_symlink_into_the_input_devices_is_followed_and_must_be_a_character_device(tmp_path: Path):
    root = tmp_path / "input"
    (root / "by-id").mkdir(parents=True)
    (root / "event0").write_text("not a device")
    (root / "by-id" / "usb-pedal-event-kbd").symlink_to("../event0")
    with pytest.raises(ButtonMissing, match="not an input device"):
        check_device_path(str(root / "by-id" / "usb-pedal-event-kbd"), root)
    with pytest.raises(ButtonMissing, match="not plugged in"):
        check_device_path(str(root / "event9"), root)


# ---- a real virtual device --------------------------------------------------------------------------


def _uinput_reason() -> str | None:
    if not os.path.exists("/dev/uinput"):
        return "this machine has no /dev/uinput (no uinput kernel module, or a container without it)"
    if not os.access("/dev/uinput", os.W_OK):
        return "no permission to write /dev/uinput"
    return None


@pytest.mark.skipif(_uinput_reason() is not None, reason=_uinput_reason() or "")
def test_a_virtual_clicker_made_through_uinput_drives_the_button():
    from evdev import UInput, ecodes

    name = f"voiceguide test clicker {os.getpid()}"
    with UInput({ecodes.EV_KEY: [KEY_PAGEDOWN, KEY_PAGEUP]}, name=name) as ui:
        time.sleep(0.3)  # udev makes the device node
        source = KeyDeviceSource(name)
        bus = Bus(VirtualClock())
        warnings: list[str] = []
        button = ButtonInput(bus, source, parse(None), warn=warnings.append)
        button.start()
        try:
            time.sleep(0.3)
            for code, hold in [(KEY_PAGEDOWN, 0.05), (KEY_PAGEDOWN, 1.2), (KEY_PAGEUP, 0.05)]:
                ui.write(ecodes.EV_KEY, code, 1)
                ui.syn()
                time.sleep(hold)
                ui.write(ecodes.EV_KEY, code, 0)
                ui.syn()
                time.sleep(0.6)
        finally:
            button.stop()
    got = []
    while not bus.queue.empty():
        c = bus.queue.get()
        got.append((c.name, c.text))
    assert warnings == []
    assert got == [(ADVANCE, "short"), (TOGGLE, "long"), ("back", "previous")]
