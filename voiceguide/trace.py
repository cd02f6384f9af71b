"""The session trace: one JSON object per event and action, for tests, benchmarks and curious authors."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import IO

from voiceguide.errors import BadInput
from voiceguide.events import Action, Event, to_record


class Trace:
    """Writes JSON lines, flushed one by one so a trace survives a crash up to its last line.

    The trace serves whoever watches the session, never the session itself: a path that cannot be
    opened is refused before the session starts, and a write that fails later (a full disk) is said
    once on stderr while the session goes on without its trace."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.failed = False
        try:
            # O_NONBLOCK: a FIFO with no reader is refused at once instead of hanging the open
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
            os.set_blocking(fd, True)
        except OSError as exc:
            why = "it is a pipe nothing reads" if exc.errno == errno.ENXIO else exc.strerror or str(exc)
            raise BadInput(f"cannot write the trace {path}: {why}") from None
        self._file: IO[str] = os.fdopen(fd, "w", encoding="utf-8")

    def __call__(self, wall: float, message: Event | Action) -> None:
        self.write({"t": round(wall, 4), **to_record(message)})

    def write(self, record: dict[str, object]) -> None:
        if self._file.closed or self.failed:
            return
        try:
            self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._file.flush()
        except OSError as exc:
            self._fail(exc)

    def close(self) -> None:
        try:
            self._file.close()
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        if not self.failed:
            self.failed = True
            print(f"voiceguide: cannot write the trace {self.path} ({exc.strerror or exc}); "
                  "the session goes on without it", file=sys.stderr, flush=True)
        try:
            self._file.close()
        except OSError:
            pass  # what was buffered is lost with the trace; the file itself is closed
