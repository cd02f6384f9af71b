"""Where a button's raw edges come from: a GPIO pin (gpiozero) or an input device that sends keys
(python-evdev, read straight from the kernel, so it works for a service with no terminal).

Each source gives (kind, pressed, time) edges: kind "main" for the button itself, "previous" for a
clicker's back keys. `read` raises ButtonMissing when the device has gone (unplugged); `open` when
it is not there (yet). gpiozero and evdev are imported only in `open`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import select
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol

from voiceguide.errors import VoiceguideError

Edge = tuple[Literal["main", "previous"], bool, float]
KernelEvent = tuple[int, int, int]  # (type, code, value), as struct input_event carries them

# From linux/input-event-codes.h (numbers, so that nothing here needs evdev to be importable).
EV_KEY = 1
KEY_UP, KEY_PAGEUP, KEY_LEFT, KEY_BACK, KEY_PREVIOUSSONG, KEY_REWIND = 103, 104, 105, 158, 165, 168
# Keys that mean "go back" on presenter clickers (PageUp / left), media buttons and remotes.
PREVIOUS_KEYS = frozenset({KEY_UP, KEY_PAGEUP, KEY_LEFT, KEY_BACK, KEY_PREVIOUSSONG, KEY_REWIND})
INPUT_DIR = Path("/dev/input")
INSTALL_HINT = "pip install 'voiceguide[button]'"


def printable(text: str) -> str:
    """A device's name as it may be printed: a USB device names itself, and a name with terminal
    control sequences in it must not drive the terminal."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)[:120]


class ButtonMissing(VoiceguideError):
    """The button is not there (not plugged in, no such pin, no permission): the session goes on."""


class ButtonSource(Protocol):
    name: str
    live: bool  # worth trying again when missing (a device can be plugged in; a pin cannot appear)

    def open(self) -> None: ...

    def read(self, timeout: float) -> list[Edge]: ...

    def close(self) -> None: ...


def edges_from(events: list[KernelEvent], t: float) -> list[Edge]:
    """Key presses and releases among kernel events; auto-repeat (value 2) and the rest are dropped:
    holding a key is one long press, not many."""
    out: list[Edge] = []
    for kind, code, value in events:
        if kind == EV_KEY and value in (0, 1):
            out.append(("previous" if code in PREVIOUS_KEYS else "main", value == 1, t))
    return out


# ---- input devices (evdev) ------------------------------------------------------------------------


class KernelDevice(Protocol):
    name: str

    def grab(self) -> None: ...

    def read_events(self, timeout: float) -> list[KernelEvent]: ...

    def close(self) -> None: ...


class EvdevDevice:
    """One /dev/input/event* device through python-evdev."""

    def __init__(self, path: str) -> None:
        import evdev

        self._dev = evdev.InputDevice(path)
        self.name = printable(str(self._dev.name))

    def grab(self) -> None:
        self._dev.grab()  # its keys now reach no console, window or other program

    def read_events(self, timeout: float) -> list[KernelEvent]:
        ready, _, _ = select.select([self._dev.fd], [], [], max(0.0, timeout))
        if not ready:
            return []
        try:
            return [(e.type, e.code, e.value) for e in self._dev.read()]
        except BlockingIOError:
            return []

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._dev.close()


def list_devices(root: Path = INPUT_DIR) -> list[tuple[str, str, list[str]]]:
    """(path, name, the keys it can send) for every input device that can send keys and can be
    opened; ImportError when evdev is not installed."""
    import evdev

    out = []
    for path in sorted(evdev.list_devices(str(root)), key=_event_number):
        try:
            dev = evdev.InputDevice(path)
        except OSError:
            continue
        try:
            codes = dev.capabilities().get(evdev.ecodes.EV_KEY, [])
            if codes:
                out.append((path, printable(str(dev.name)), [_key_name(evdev.ecodes.KEY, evdev.ecodes.BTN, c) for c in codes]))
        finally:
            with contextlib.suppress(OSError):
                dev.close()
    return out


def unreadable(root: Path = INPUT_DIR) -> list[str]:
    """Input devices this user may not read (not in the 'input' group): worth a hint when a list
    comes out empty."""
    return sorted(str(p) for p in root.glob("event*") if not os.access(p, os.R_OK))


def _event_number(path: str) -> int:
    digits = "".join(ch for ch in Path(path).name if ch.isdigit())
    return int(digits) if digits else 0


def _key_name(keys: dict, buttons: dict, code: int) -> str:  # type: ignore[type-arg]
    name = keys.get(code) or buttons.get(code) or f"KEY_{code}"
    return name if isinstance(name, str) else sorted(name)[0]


def check_device_path(spec: str, root: Path = INPUT_DIR) -> str:
    """The real path of an input device named by path: it must resolve inside `root` and be a
    character device. Anything else is refused before it is opened (opening a device can have
    effects: a watchdog reboots the machine when opened and left)."""
    real = os.path.realpath(spec)
    inside = os.path.realpath(root)
    if os.path.commonpath([real, inside]) != inside:
        raise ButtonMissing(f"button device {spec!r} is not an input device (they are in {root})")
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        raise ButtonMissing(f"button device {spec!r} is not plugged in") from None
    except OSError as exc:
        raise ButtonMissing(f"button device {spec!r} cannot be looked at ({exc.strerror})") from None
    if not stat.S_ISCHR(mode):
        raise ButtonMissing(f"button device {spec!r} is not an input device")
    return real


class KeyDeviceSource:
    """An input device that sends keys, named by path (/dev/input/by-id/... keeps its name across
    plugs) or by its name or part of it (as `voiceguide buttons` shows). Grabbed while open."""

    live = True

    def __init__(
        self,
        spec: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        root: Path = INPUT_DIR,
        opener: Callable[[str], KernelDevice] | None = None,
        lister: Callable[[], list[tuple[str, str, list[str]]]] | None = None,
    ) -> None:
        self.spec = spec
        self.name = spec
        self.clock = clock
        self.root = root
        self._opener = opener or EvdevDevice
        self._lister = lister or (lambda: list_devices(self.root))
        self._dev: KernelDevice | None = None

    def _find(self) -> str:
        if "/" in self.spec:
            return check_device_path(self.spec, self.root)
        try:
            devices = self._lister()
        except ImportError:
            raise ButtonMissing(f"evdev is not installed, so no input device can be a button ({INSTALL_HINT})") from None
        wanted = self.spec.casefold().strip()

        def rank(device: tuple[str, str, list[str]]) -> tuple[bool, bool]:
            # An exact name first; then one that sends keys over one with only mouse buttons (a
            # clicker's receiver often shows up as both, and its keys come from the first).
            _, name, keys = device
            return (name.casefold() != wanted, not any(k.startswith("KEY_") for k in keys))

        found = sorted((d for d in devices if wanted in d[1].casefold()), key=rank)
        if not found:
            raise ButtonMissing(f"no input device named {self.spec!r} is plugged in (see 'voiceguide buttons')")
        return found[0][0]

    def open(self) -> None:
        path = self._find()
        try:
            dev = self._opener(path)
        except ImportError:
            raise ButtonMissing(f"evdev is not installed, so no input device can be a button ({INSTALL_HINT})") from None
        except PermissionError:
            raise ButtonMissing(f"no permission to read {path}: add the user to the 'input' group "
                                f"(sudo usermod -aG input $USER) and log in again") from None
        except OSError as exc:
            raise ButtonMissing(f"{path} cannot be opened as an input device ({exc.strerror or exc})") from None
        try:
            dev.grab()
        except OSError as exc:
            dev.close()
            why = "another program holds it" if exc.errno == errno.EBUSY else (exc.strerror or str(exc))
            raise ButtonMissing(f"{path} cannot be taken for the guide alone ({why})") from None
        self._dev = dev
        self.name = f"{dev.name} ({path})"

    def read(self, timeout: float) -> list[Edge]:
        if self._dev is None:
            raise ButtonMissing(f"button device {self.spec!r} is not open")
        try:
            events = self._dev.read_events(timeout)
        except OSError as exc:  # ENODEV: unplugged
            self.close()
            raise ButtonMissing(f"button device {self.name} went away ({exc.strerror or exc})") from None
        return edges_from(events, self.clock())

    def close(self) -> None:
        dev, self._dev = self._dev, None
        if dev is not None:
            dev.close()


# ---- a GPIO pin (gpiozero) ------------------------------------------------------------------------


class GpioSource:
    """A push button on a GPIO pin. With `pull_up` (the usual wiring: the button joins the pin to
    ground) the pin reads low while pressed. Debouncing is left to the press recogniser, so a pin
    and a clicker behave alike."""

    live = False

    def __init__(self, pin: int | str, *, pull_up: bool = True, factory: object | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pin = pin
        self.pull_up = pull_up
        self.factory = factory
        self.clock = clock
        self.name = f"GPIO pin {pin}"
        self._button: object | None = None
        self._edges: queue.Queue[Edge] = queue.Queue()

    def open(self) -> None:
        import warnings

        try:
            from gpiozero import Button
        except ImportError:
            raise ButtonMissing(f"gpiozero is not installed, so no GPIO pin can be a button ({INSTALL_HINT})") from None
        try:
            with warnings.catch_warnings():  # gpiozero warns, over several lines, for each library it tries
                warnings.simplefilter("ignore")
                button = Button(self.pin, pull_up=self.pull_up, bounce_time=None, pin_factory=self.factory)
        except Exception as exc:  # gpiozero and its pin libraries raise many kinds; all mean "no button"
            if type(exc).__name__ == "BadPinFactory":
                raise ButtonMissing(f"cannot use {self.name} as a button: this machine has no GPIO pins gpiozero can "
                                    f"drive (on a Raspberry Pi: {INSTALL_HINT})") from None
            raise ButtonMissing(f"cannot use {self.name} as a button ({type(exc).__name__}: {exc})") from None
        button.when_pressed = lambda: self._edges.put(("main", True, self.clock()))
        button.when_released = lambda: self._edges.put(("main", False, self.clock()))
        self._button = button

    def read(self, timeout: float) -> list[Edge]:
        try:
            out = [self._edges.get(timeout=max(0.0, timeout))]
        except queue.Empty:
            return []
        while True:
            try:
                out.append(self._edges.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        button, self._button = self._button, None
        if button is not None:
            with contextlib.suppress(Exception):
                button.close()  # type: ignore[attr-defined]
