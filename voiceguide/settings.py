"""Settings, built once at the CLI edge: defaults < config file < VOICEGUIDE_* env vars < options.

The config file is TOML in the platform's config folder (see `voiceguide config`)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from voiceguide import places
from voiceguide.errors import BadInput



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

    def check(self) -> Settings:
        if not 60 <= self.rate <= 400:
            raise BadInput(f"rate {self.rate} is out of range: use 60 to 400 words a minute")
        if not 0.0 <= self.volume <= 1.0:
            raise BadInput(f"volume {self.volume} is out of range: use 0.0 to 1.0")
        for name in ("partner_a", "partner_b"):
            value = getattr(self, name)
            if value is not None and not (0 < len(value.strip()) <= 40):
                raise BadInput(f"{name.replace('_', ' ')} must be a name of 1 to 40 characters")
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


_TYPES = {f.name: f.type for f in fields(Settings)}


def _coerce(name: str, value: Any, origin: str) -> Any:
    kind = _TYPES[name]
    try:
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if value is None:
            return None
        return str(value)
    except (TypeError, ValueError):
        raise BadInput(f"{origin}: {name} must be {'a whole number' if kind == 'int' else 'a number'}, not {value!r}") from None


def read_config(path: Path | None = None) -> dict[str, Any]:
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"{path}: not valid TOML ({exc})") from None
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
