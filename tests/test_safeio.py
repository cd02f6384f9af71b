"""Only regular files are read, and never more than their cap."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from voiceguide.safeio import NotReadable, check_regular, check_writable_target, read_bytes


def test_reads_a_regular_file_within_its_cap(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(b"hello")
    assert read_bytes(f, 5) == b"hello"
    assert check_regular(f) == 5


def test_a_file_over_its_cap_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    f.write_bytes(b"x" * 2048)
    with pytest.raises(NotReadable, match="too large for a config file"):
        read_bytes(f, 1024, what="config file")
    with pytest.raises(NotReadable, match="too large"):
        check_regular(f, limit=1024)


def test_an_endless_device_is_refused_at_once() -> None:
    with pytest.raises(NotReadable, match="is a device"):
        read_bytes(Path("/dev/zero"), 1024)


def test_a_fifo_without_a_writer_is_refused_and_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    result: list[BaseException] = []

    def go() -> None:
        try:
            read_bytes(fifo, 1024)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            result.append(exc)

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(5)
    assert not t.is_alive(), "reading a FIFO hung"
    assert isinstance(result[0], NotReadable) and "pipe" in str(result[0])


def test_folders_and_missing_files_say_so(tmp_path: Path) -> None:
    with pytest.raises(NotReadable, match="is a folder"):
        read_bytes(tmp_path, 10)
    with pytest.raises(NotReadable, match="no such file"):
        read_bytes(tmp_path / "gone", 10)


def test_write_targets_must_be_new_or_regular(tmp_path: Path) -> None:
    check_writable_target(tmp_path / "new.wav")
    (tmp_path / "old.wav").write_bytes(b"")
    check_writable_target(tmp_path / "old.wav")
    fifo = tmp_path / "out.wav"
    os.mkfifo(fifo)
    with pytest.raises(NotReadable, match="pipe"):
        check_writable_target(fifo)
    with pytest.raises(NotReadable, match="device"):
        check_writable_target(Path("/dev/null"))
