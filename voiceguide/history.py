"""A local, append-only log of sessions: which exercise, when, how long, how it ended.

Never audio and never anything that was said. One JSON object per line, each written with a
single append so that a kill at any moment leaves every earlier line whole; a reader skips a torn
last line instead of failing.

The log is the couple's, but it is only a record: a line that is not a sound record (torn, edited,
absurd) is skipped, and a history that cannot be used at all (a folder, unreadable, a full disk)
is a one-line warning, never the end of a session or of the menu.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from voiceguide import places
from voiceguide.errors import VoiceguideError

KIB = 1024
TAIL_BYTES = 16 * KIB * KIB  # only the end of a longer history is read: about 150 000 sessions
LINE_BYTES = 64 * KIB  # a longer line is not a record
FIRST_START = 0.0  # 1970: a Raspberry Pi with no clock and no network may believe it is then
LAST_START = 253_402_300_799.0 - 366 * 86400  # late in the year 9998: every date sum stays in range
LONGEST_S = 31 * 86400  # a session left paused for a month is still one; longer is not a duration


def history_path() -> Path:
    return places.data_dir() / "history.jsonl"


class HistoryUnusable(VoiceguideError):
    """The history file cannot be read or written at all (the message says why)."""


@dataclass(frozen=True)
class Session:
    exercise: str
    title: str
    start: float  # seconds since the epoch
    duration_s: float
    outcome: str  # completed, stopped or interrupted

    @property
    def started(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.start)


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def append(session: Session, path: Path | None = None) -> None:
    """Add one record, or HistoryUnusable saying why it could not be."""
    path = path or history_path()
    line = json.dumps(asdict(session), ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    data = line.encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # never blocks on a FIFO (no reader: ENXIO), and is proven a regular file before a byte goes in
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise HistoryUnusable(f"cannot write the history {path} ({_why(exc)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise HistoryUnusable(f"cannot write the history {path}: it is not a regular file")
        os.set_blocking(fd, True)
        if info.st_size and os.pread(fd, 1, info.st_size - 1) != b"\n":
            data = b"\n" + data  # a torn line from an earlier crash stays on its own line
        if os.write(fd, data) != len(data):
            raise HistoryUnusable(f"cannot write the history {path} (the disk is full)")
        os.fsync(fd)
    except OSError as exc:
        raise HistoryUnusable(f"cannot write the history {path} ({_why(exc)})") from None
    finally:
        os.close(fd)


def read(path: Path | None = None) -> Iterator[Session]:
    """Every sound record, oldest first (of the last TAIL_BYTES); other lines are skipped. A history
    that cannot be read at all is HistoryUnusable; one that does not exist yet is empty."""
    from voiceguide.safeio import NotReadable, open_regular

    path = path or history_path()
    try:
        os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:  # the data folder is a file, or cannot be entered
        raise HistoryUnusable(f"cannot read the history {path} ({_why(exc)})") from None
    try:
        fd = open_regular(path, what="history file")
    except NotReadable as exc:
        raise HistoryUnusable(f"cannot read the history: {exc}") from None
    try:
        with os.fdopen(fd, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > TAIL_BYTES:
                f.seek(size - TAIL_BYTES)
                next(_lines(f), None)  # the rest of a line cut by the seek
            for raw in _lines(f):
                session = _record(raw)
                if session is not None:
                    yield session
    except OSError as exc:
        raise HistoryUnusable(f"cannot read the history {path} ({_why(exc)})") from None


def _lines(f: IO[bytes]) -> Iterator[bytes]:
    """The file's lines, each at most LINE_BYTES; a longer one is passed over whole (as b"")."""
    while True:
        raw = f.readline(LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > LINE_BYTES:
            while raw and not raw.endswith(b"\n"):
                raw = f.readline(LINE_BYTES)
            yield b""
            continue
        yield raw


def _record(raw: bytes) -> Session | None:
    """A Session from one line, or None when the line is not a plausible record."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # torn, foreign, a number of over 4300 digits, nested deep
        return None
    if not isinstance(data, dict):
        return None
    exercise, title, outcome = data.get("exercise"), data.get("title", data.get("exercise")), data.get("outcome")
    start, duration = _number(data.get("start")), _number(data.get("duration_s"))
    if not (isinstance(exercise, str) and isinstance(title, str) and isinstance(outcome, str)):
        return None
    if start is None or duration is None:
        return None
    if not (FIRST_START <= start <= LAST_START and 0.0 <= duration <= LONGEST_S):
        return None
    session = Session(exercise, title, start, duration, outcome)
    try:
        session.started  # a time the platform can show as a date
    except (ValueError, OverflowError, OSError):
        return None
    return session


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        return None
    return number if math.isfinite(number) else None


_warned: set[str] = set()


def _warn_once(exc: HistoryUnusable, warn: Callable[[str], None] | None) -> None:
    message = str(exc)
    if message not in _warned:
        _warned.add(message)
        (warn or (lambda text: print(f"voiceguide: {text}", file=sys.stderr, flush=True)))(message)


def record(session: Session, warn: Callable[[str], None] | None = None) -> None:
    """Append, and say once (on stderr, or to `warn`) if the history cannot take it: the session has
    happened either way, and its ending must not turn into a failure."""
    try:
        append(session)
    except HistoryUnusable as exc:
        _warn_once(exc, warn)


def recent(warn: Callable[[str], None] | None = None) -> list[Session]:
    """Every readable record, or none (said once) if the history cannot be read."""
    try:
        return list(read())
    except HistoryUnusable as exc:
        _warn_once(exc, warn)
        return []


def weekly(sessions: list[Session], weeks: int | None = None) -> list[tuple[dt.date, int, float]]:
    """(monday, sessions, minutes) per ISO week, oldest first, including empty weeks in between;
    with `weeks`, only that many, ending with the last session's."""
    if not sessions:
        return []
    by_week: dict[dt.date, list[Session]] = {}
    for s in sessions:
        day = s.started.date()
        monday = day - dt.timedelta(days=day.weekday())
        by_week.setdefault(monday, []).append(s)
    first, last = min(by_week), max(by_week)
    if weeks is not None:
        span = min(weeks - 1, (last - first).days // 7)
        first = last - dt.timedelta(days=7 * max(0, span))
    out = []
    monday = first
    while monday <= last:
        group = by_week.get(monday, [])
        out.append((monday, len(group), sum(s.duration_s for s in group) / 60.0))
        monday += dt.timedelta(days=7)
    return out


def last_done(sessions: list[Session]) -> dict[str, float]:
    """When each exercise was last played, by id."""
    out: dict[str, float] = {}
    for s in sessions:
        out[s.exercise] = max(out.get(s.exercise, 0.0), s.start)
    return out
