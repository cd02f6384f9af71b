"""A local, append-only log of sessions: which exercise, when, how long, how it ended.

Never audio and never anything that was said. One JSON object per line, each written with a
single append so that a kill at any moment leaves every earlier line whole; a reader skips a torn
last line instead of failing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from voiceguide import places


def history_path() -> Path:
    return places.data_dir() / "history.jsonl"


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


def append(session: Session, path: Path | None = None) -> None:
    path = path or history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(session), ensure_ascii=False, separators=(",", ":")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        data = line.encode("utf-8")
        if os.fstat(fd).st_size and not _ends_with_newline(path):
            data = b"\n" + data  # a torn line from an earlier crash stays on its own line
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def read(path: Path | None = None) -> Iterator[Session]:
    """Every whole record, oldest first; torn or foreign lines are skipped."""
    path = path or history_path()
    try:
        f = path.open("rb")
    except FileNotFoundError:
        return
    with f:
        for raw in f:
            try:
                data = json.loads(raw)
                yield Session(
                    exercise=str(data["exercise"]),
                    title=str(data.get("title", data["exercise"])),
                    start=float(data["start"]),
                    duration_s=float(data["duration_s"]),
                    outcome=str(data["outcome"]),
                )
            except (ValueError, KeyError, TypeError):
                continue


def weekly(sessions: list[Session]) -> list[tuple[dt.date, int, float]]:
    """(monday, sessions, minutes) per ISO week, oldest first, including empty weeks in between."""
    if not sessions:
        return []
    weeks: dict[dt.date, list[Session]] = {}
    for s in sessions:
        day = s.started.date()
        monday = day - dt.timedelta(days=day.weekday())
        weeks.setdefault(monday, []).append(s)
    first, last = min(weeks), max(weeks)
    out = []
    monday = first
    while monday <= last:
        group = weeks.get(monday, [])
        out.append((monday, len(group), sum(s.duration_s for s in group) / 60.0))
        monday += dt.timedelta(days=7)
    return out


def last_done(sessions: list[Session]) -> dict[str, float]:
    """When each exercise was last played, by id."""
    out: dict[str, float] = {}
    for s in sessions:
        out[s.exercise] = max(out.get(s.exercise, 0.0), s.start)
    return out
