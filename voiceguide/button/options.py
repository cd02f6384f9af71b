"""The button settings, checked where all settings are: a wrong pin or mapping is a clear error at
the start, not a surprise in the middle of an exercise. Nothing here touches hardware."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from voiceguide.errors import BadInput

if TYPE_CHECKING:
    from voiceguide.settings import Settings

# What gpiozero understands as a pin name, kept to the forms a person writes.
_PIN = re.compile(r"(?:(?:GPIO|BCM|BOARD|WPI)?\d{1,2}|J\d{1,2}:\d{1,2})", re.IGNORECASE)


def check_button(settings: Settings) -> None:
    pin = settings.button_gpio
    if pin is not None and not _PIN.fullmatch(pin.strip()):
        raise BadInput(f"button-gpio {pin!r} is not a pin: use its GPIO number (17), or a name like GPIO17 or BOARD11")
    if settings.button_pull not in ("up", "down"):
        raise BadInput(f"button-pull must be up (a button between the pin and ground) or down, not {settings.button_pull!r}")
    device = settings.button_device
    if device is not None and (not device.strip() or len(device) > 256 or any(ord(c) < 32 or c == "\x7f" for c in device)):
        raise BadInput("button-device must be an input device's name (or part of it) or its path, on one line")
    if device is not None and "/" in device:
        import os

        real, inside = os.path.realpath(device.strip()), os.path.realpath("/dev/input")
        if os.path.commonpath([real, inside]) != inside:
            raise BadInput(f"button-device {device!r} is not in /dev/input: name an input device (see 'voiceguide buttons')")
    from voiceguide.button.mapping import parse

    parse(settings.button_map)


def configured(settings: Settings) -> bool:
    return bool(settings.button_gpio or settings.button_device)


def gpio_pin(settings: Settings) -> int | str | None:
    """The pin as gpiozero takes it: a bare number is a GPIO (BCM) number."""
    pin = settings.button_gpio
    if pin is None:
        return None
    pin = pin.strip()
    return int(pin) if pin.isdigit() else pin.upper()
