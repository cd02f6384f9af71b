"""`voiceguide buttons`: find and try a button: the input devices that can send keys, and each
press shown live with what it would do."""

from __future__ import annotations

import sys
import time

import click

from voiceguide.cli import cli

# What the button-only commands do, in words (the rest are the spoken commands themselves).
MEANING = {
    "next-or-resume": "next (resume while paused)",
    "toggle-pause": "pause / resume",
    "take": "take the exercise on offer (begin it once named)",
    "offer-next": "offer the next exercise",
}
SHOWN_KEYS = 8


def _keys(names: list[str]) -> str:
    if len(names) > 60:
        return f"a keyboard ({len(names)} keys)"
    shown = ", ".join(n.removeprefix("KEY_") for n in names[:SHOWN_KEYS])
    return shown + (f" and {len(names) - SHOWN_KEYS} more" if len(names) > SHOWN_KEYS else "")


@cli.command()
@click.option("--device", help="Show the presses of this input device (a name, part of one, or a path); "
                                "default: the config's button-device.")
@click.option("--gpio", help="Show the presses of a button on this GPIO pin; default: the config's button-gpio.")
@click.option("--list", "list_only", is_flag=True, help="Only list the input devices; show no presses.")
@click.option("--seconds", type=click.FloatRange(min=0.0, min_open=True),
              help="Stop showing presses after this many seconds (default: at Ctrl-C).")
def buttons(device: str | None, gpio: str | None, list_only: bool, seconds: float | None) -> None:
    """List the input devices that can send keys (presenter clickers, media buttons, pedals), then
    show each press of the configured button live, with what it means in a session and in the menu.

    \b
    Put the one you want in the config file (see 'voiceguide config'):
      button-device = "Logitech USB Receiver"    # a name from this list, part of one, or a path
      button-gpio = 17                           # or: a push button between GPIO 17 and ground
    """
    from voiceguide.button.sources import list_devices, unreadable
    from voiceguide.settings import build_settings

    settings = build_settings({"button_device": device, "button_gpio": gpio})
    try:
        devices = list_devices()
    except ImportError:
        devices = []
        click.echo("voiceguide: evdev is not installed, so input devices cannot be listed "
                   "(pip install 'voiceguide[button]')", err=True)
    for path, name, keys in devices:
        click.echo(f"{path}\t{name}\t{_keys(keys)}")
    if not devices:
        locked = unreadable()
        why = (f"; {len(locked)} cannot be read: add the user to the 'input' group (sudo usermod -aG input $USER) "
               "and log in again") if locked else ""
        click.echo(f"voiceguide: no input device that sends keys was found{why}", err=True)
    if list_only:
        return
    if not (settings.button_device or settings.button_gpio):
        click.echo("voiceguide: no button configured: give --device or --gpio, or set button-device or "
                   "button-gpio in the config, to see its presses", err=True)
        return
    _watch(settings, seconds)


def _watch(settings: object, seconds: float | None) -> None:
    """Each press as it comes, on stdout, until Ctrl-C or `seconds`."""
    from voiceguide.button.input import ButtonInput
    from voiceguide.button.mapping import parse
    from voiceguide.button.options import gpio_pin
    from voiceguide.button.sources import GpioSource, KeyDeviceSource
    from voiceguide.runner import Bus, RealClock

    mapping = parse(settings.button_map)  # type: ignore[attr-defined]
    bus = Bus(RealClock())
    bus.closed.set()  # nothing is posted: presses are only shown

    def show(gesture: str, _command: str | None) -> None:
        session = mapping.command("session", gesture)
        menu = mapping.command("menu", gesture)
        click.echo(f"{gesture} press\tsession: {MEANING.get(session or '', session or 'nothing')}"
                   f"\tmenu: {MEANING.get(menu or '', menu or 'nothing')}")
        sys.stdout.flush()

    sources: list = []  # type: ignore[type-arg]
    pin = gpio_pin(settings)  # type: ignore[arg-type]
    if pin is not None:
        sources.append(GpioSource(pin, pull_up=settings.button_pull == "up"))  # type: ignore[attr-defined]
    if settings.button_device:  # type: ignore[attr-defined]
        sources.append(KeyDeviceSource(settings.button_device))  # type: ignore[attr-defined]
    inputs = [ButtonInput(bus, source, mapping, on_gesture=show, carry_on="") for source in sources]
    click.echo("press the button: short, long (about a second) or twice; Ctrl-C to stop", err=True)
    for button in inputs:
        button.start()
    try:
        end = None if seconds is None else time.monotonic() + seconds
        while end is None or time.monotonic() < end:
            if all(b.given_up for b in inputs):
                break
            time.sleep(0.1 if end is None else max(0.0, min(0.1, end - time.monotonic())))
    except KeyboardInterrupt:
        pass
    finally:
        for button in inputs:
            button.stop()
    if all(b.given_up for b in inputs):
        raise SystemExit(1)  # nothing to show: said already, on stderr
