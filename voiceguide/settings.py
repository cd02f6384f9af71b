"""Settings, built once at the CLI edge: defaults < config file < VOICEGUIDE_* env vars < options.

The config file is TOML in the platform's config folder (see `voiceguide config`)."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from voiceguide import places
from voiceguide.brief import brief, brief_repr
from voiceguide.errors import BadInput
from voiceguide.safeio import read_bytes

MAX_CONFIG_BYTES = 64 * 1024  # a dozen settings; /dev/zero or a pipe must not be read as one


def config_path() -> Path:
    env = os.environ.get("VOICEGUIDE_CONFIG")
    return Path(env) if env else places.config_dir() / "config.toml"


@dataclass(frozen=True)
class Settings:
    """What a user may set once and forget. None means "the language pack's or device's default"."""

    partner_a: str | None = None
    partner_b: str | None = None
    language: str | None = None
    voice: str | None = None
    rate: int = 140
    volume: float = 0.8
    output_device: str | None = None
    input_device: str | None = None
    model: str | None = None
    button_gpio: str | None = None  # a GPIO pin: 17, "GPIO17", "BOARD11"
    button_pull: str = "up"  # "up": the button joins the pin to ground (see docs/raspberry-pi.md)
    button_device: str | None = None  # an input device that sends keys: its name (or part) or path
    button_map: str | None = None  # changes to what each gesture does (voiceguide/button/mapping.py)
    enrolled_veto: str | None = None  # on/off: enrolled voices veto the recogniser (voiceguide/enroll)

    def check(self) -> Settings:
        if not 60 <= self.rate <= 400:
            raise BadInput(f"rate {brief(self.rate)} is out of range: use 60 to 400 words a minute")
        if not 0.0 <= self.volume <= 1.0:  # NaN too
            raise BadInput(f"volume {brief(self.volume)} is out of range: use 0.0 to 1.0")
        for name in ("partner_a", "partner_b"):
            value = getattr(self, name)
            if value is not None and not (0 < len(value.strip()) <= 40):
                raise BadInput(f"{name.replace('_', ' ')} must be a name of 1 to 40 characters")
        from voiceguide.button.options import check_button
        from voiceguide.enroll.use import veto_wanted

        check_button(self)
        veto_wanted(self.enrolled_veto)  # on or off, refused by name otherwise
        return self


@dataclass(frozen=True)
class SessionOptions:
    """How one session runs (not kept in the config file)."""

    text: bool = False
    listen: bool = True
    time_scale: float = 1.0
    trace: Path | None = None
    first: Literal["a", "b"] | None = None  # None: the partners take turns, session by session
    rotation: int | None = None  # which set of a rotating exercise; None: the next from the history


TIME_SCALES = (0.01, 100_000.0)  # beyond them a timer lasts longer than a clock can wait, or nothing


def check_time_scale(value: float) -> float:
    """--time-scale, which divides every timer and pause: a finite number in TIME_SCALES (NaN,
    infinity or 1e-300 made timers no clock can wait for)."""
    low, high = TIME_SCALES
    if not (math.isfinite(value) and low <= value <= high):
        raise BadInput(f"--time-scale must be a number from {low:g} to {high:g}, not {brief(value)}")
    return value


_TYPES = {f.name: f.type for f in fields(Settings)}
_NUMBER_NAMES = {"output_device", "input_device", "button_gpio"}  # a device (or a pin) may be given by its number


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"


def _coerce(name: str, value: Any, origin: str) -> Any:
    """A setting's value as its type, from TOML (typed) or the environment (text). Anything else is
    refused, not converted: a list of names must not become the name "['Sam', 'Alex']", nor
    `rate = inf` a crash; a value echoed back is shortened."""
    kind = _TYPES[name]
    key = name.replace("_", "-")
    if kind == "int":
        number: Any = value
        if isinstance(value, str):
            try:
                number = int(value.strip())
            except ValueError:  # not a whole number (or one of over 4300 digits)
                number = None
        elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
            number = int(value)
        if isinstance(number, bool) or not isinstance(number, int):
            raise BadInput(f"{origin}: {key} must be a whole number, not {brief_repr(value)}")
        return number
    if kind == "float":
        number = value
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                number = None
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:
                number = None
        if not isinstance(number, float) or not math.isfinite(number):
            raise BadInput(f"{origin}: {key} must be a number, not {brief_repr(value)}")
        return number
    if value is None or isinstance(value, str):
        return value
    if name in _NUMBER_NAMES and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise BadInput(f"{origin}: {key} must be text in quotes, not {_kind_of(value)} ({brief_repr(value)})")


def read_config(path: Path | None = None) -> dict[str, Any]:
    path = path or config_path()
    if not os.path.exists(path):
        return {}
    raw = read_bytes(path, MAX_CONFIG_BYTES, what="config file")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise BadInput(f"{path}: is UTF-16 text; save it as UTF-8")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise BadInput(f"{path}: not valid TOML (nested too deeply)") from None
    out = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in _TYPES:
            known = ", ".join(f.name.replace("_", "-") for f in fields(Settings))
            raise BadInput(f"{path}: unknown setting {key!r}; known settings: {known}")
        out[name] = _coerce(name, value, str(path))
    return out


def read_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = dict(os.environ if environ is None else environ)
    out = {}
    for name in _TYPES:
        key = f"VOICEGUIDE_{name.upper()}"
        if key in environ and environ[key] != "":
            out[name] = _coerce(name, environ[key], key)
    return out


def build_settings(options: dict[str, Any] | None = None, *, config: Path | None = None) -> Settings:
    """The settings in force; `options` holds what was given on the command line (None = not given)."""
    merged: dict[str, Any] = {}
    merged.update(read_config(config))
    merged.update(read_env())
    merged.update({k: v for k, v in (options or {}).items() if v is not None and k in _TYPES})
    return replace(Settings(), **merged).check()


def sources(options: dict[str, Any] | None = None, *, config: Path | None = None) -> dict[str, str]:
    """Where each setting in force came from, for `voiceguide config`."""
    origin = {f.name: "default" for f in fields(Settings)}
    origin.update({k: "config file" for k in read_config(config)})
    origin.update({k: "environment" for k in read_env()})
    origin.update({k: "option" for k, v in (options or {}).items() if v is not None and k in _TYPES})
    return origin
