"""The session trace: one JSON object per event and action, for tests, benchmarks and curious authors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from voiceguide.events import Action, Event, to_record


class Trace:
    """Writes JSON lines, flushed one by one so a trace survives a crash up to its last line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] = path.open("w", encoding="utf-8")

    def __call__(self, wall: float, message: Event | Action) -> None:
        self.write({"t": round(wall, 4), **to_record(message)})

    def write(self, record: dict[str, object]) -> None:
        if self._file.closed:
            return
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()
