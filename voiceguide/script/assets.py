"""Where `audio:` files are found: the script's own folder, then the bundled clips. Nowhere else."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
MAX_CLIP_BYTES = 128 * 1024 * 1024  # a clip is a bell, a recorded line or a few minutes of music


@cache
def bundled_audio_dir() -> Path:
    return Path(str(resources.files("voiceguide.audio")))


def audio_path_problem(name: str) -> str | None:
    """Why `name` can never be a safe clip path, or None."""
    if "\x00" in name:
        return "an audio file name cannot contain a NUL byte"
    if not name.isprintable():
        return f"audio file {name!r} has control or invisible characters in its name; rename the file"
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    if posix.is_absolute() or windows.is_absolute() or windows.drive:
        return f"audio file {name!r} must be a name relative to the script's folder, not an absolute path"
    if ".." in posix.parts or ".." in windows.parts:
        return f"audio file {name!r} must stay inside the script's folder (no '..')"
    if posix.suffix.lower() not in AUDIO_SUFFIXES:
        return f"audio file {name!r} must be one of {', '.join(AUDIO_SUFFIXES)}"
    return None


def resolve_audio(name: str, script_dir: Path | None) -> Path | None:
    """The file `name` refers to, or None if it does not exist inside an allowed folder."""
    if audio_path_problem(name):
        return None
    bases = [script_dir, bundled_audio_dir()] if script_dir else [bundled_audio_dir()]
    for base in bases:
        try:
            root = base.resolve()
            candidate = (root / name).resolve()
        except (OSError, RuntimeError):
            continue
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None
