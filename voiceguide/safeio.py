"""Bounded reads of regular files only, and regular-or-new targets for writes.

A FIFO, a device such as /dev/zero or a folder where a file is expected would hang voiceguide or eat
its memory; every file it reads from input goes through here, so the rule lives in one place."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from voiceguide.errors import BadInput

KIB = 1024
MIB = 1024 * KIB


class NotReadable(BadInput):
    """A path that is not a readable regular file within its size cap. `reason` is the bare why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _why(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "cannot be read (permission denied)"
    return f"cannot be read ({exc.strerror or exc})"


def open_regular(path: Path, *, what: str = "file") -> int:
    """Open `path` for reading without blocking, and prove it is a regular file; returns the fd.

    O_NONBLOCK keeps a FIFO with no writer from hanging the open itself; the check on the open
    descriptor (not the name) leaves no window for a swap between check and read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise NotReadable(path, f"is a folder, not {_a(what)}") from None
    except OSError as exc:
        raise NotReadable(path, _why(exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotReadable(path, f"is {_kind(mode)}, not {_a(what)}")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(path: Path, limit: int, *, what: str = "file") -> bytes:
    """The whole of a regular file no larger than `limit` bytes, or NotReadable saying why not."""
    fd = open_regular(Path(path), what=what)
    try:
        with os.fdopen(fd, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise NotReadable(Path(path), _why(exc)) from None
    if len(data) > limit:
        raise NotReadable(Path(path), f"is too large for {_a(what)} (over {_size(limit)})")
    return data


def check_regular(path: Path, *, what: str = "file", limit: int | None = None) -> int:
    """Prove `path` is a regular file (within `limit`, if given) before a library opens it by name;
    returns its size."""
    fd = open_regular(Path(path), what=what)
    try:
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if limit is not None and size > limit:
        raise NotReadable(Path(path), f"is too large for {_a(what)} (over {_size(limit)})")
    return size


def check_writable_target(path: Path, *, what: str = "file") -> None:
    """An output path must be new or a regular file: writing into a FIFO or a device would hang or
    do harm, and a folder cannot be written as a file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise NotReadable(Path(path), f"cannot be written ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        raise NotReadable(Path(path), f"is {_kind(mode)}; give a path for a new or existing {what}")


def _a(what: str) -> str:
    return f"{'an' if what[:1].lower() in 'aeiou' else 'a'} {what}"


def _size(limit: int) -> str:
    if limit >= MIB:
        return f"{limit // MIB} MiB"
    return f"{limit // KIB} KiB"
