"""Unpacking a downloaded zip archive within limits, every file proven to land inside one folder.

A few megabytes of zip can unpack to gigabytes (a zip bomb), name paths outside the folder, or hold
a hundred thousand empty files; any of it would fill the disk or write where voiceguide must not.
So the sizes the archive declares are summed and checked against a limit and the free space before
anything is written, every name is checked before its file is made, and the bytes actually written
are counted as they go (zipfile also stops each member at its declared size and checks its CRC).
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from voiceguide.errors import VoiceguideError
from voiceguide.fetch import check_space
from voiceguide.safeio import MIB


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 2048 * MIB  # the Korean small model unpacks to 264 MB
    max_members: int = 20_000


class Damaged(VoiceguideError):
    """The archive cannot be unpacked as it is; downloading it again may help."""


class Refused(VoiceguideError):
    """The archive could be unpacked but must not be: too big, too many files, unsafe names."""


def unpack(archive: Path, into: Path, limits: Limits = Limits()) -> None:
    """Unpack `archive` into the existing, empty folder `into`."""
    into = into.resolve()
    try:
        _check_directory(archive, limits)
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > limits.max_members:
                raise Refused(f"the archive holds {len(members)} files, more than a speech model has "
                              f"({limits.max_members}); it was not unpacked")
            declared = sum(m.file_size for m in members)
            if declared > limits.max_bytes:
                raise Refused(f"the archive would unpack to {declared // MIB} MB, more than a speech model "
                              f"takes ({limits.max_bytes // MIB} MB); it was not unpacked")
            targets = [(m, _target(into, m.filename)) for m in members]
            check_space(into, declared)
            written = 0
            for member, target in targets:
                if member.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                written = _extract(zf, member, target, written, limits)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise Damaged(f"the downloaded archive is damaged ({exc})") from None
    except OSError as exc:  # a full disk, or a name given twice
        raise VoiceguideError(f"could not unpack the model into {into}: {exc.strerror or exc}") from None


def _check_directory(archive: Path, limits: Limits) -> None:
    """Refuse an archive whose directory alone is too big, before zipfile reads all of it into
    memory: a gigabyte of directory is millions of entries, and gigabytes of memory to list them."""
    with open(archive, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - (22 + 65535)))
        tail = f.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return  # not a zip archive: zipfile says so
        entries, directory = struct.unpack_from("<HL", tail, at + 10)
        if (entries == 0xFFFF or directory == 0xFFFFFFFF) and at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07":
            (offset,) = struct.unpack_from("<Q", tail, at - 12)  # the Zip64 end record holds the real counts
            f.seek(offset)
            record = f.read(56)
            if len(record) == 56 and record[:4] == b"PK\x06\x06":
                entries, directory = struct.unpack_from("<QQ", record, 32)
    if entries > limits.max_members or directory > limits.max_members * 4096:
        raise Refused(f"the archive holds {entries} files, more than a speech model has "
                      f"({limits.max_members}); it was not unpacked")


def _target(into: Path, name: str) -> Path:
    """Where member `name` goes, proven to be inside `into` (no absolute name, no '..', nothing that
    resolves elsewhere), or Refused."""
    parts = PurePosixPath(name).parts
    if (not parts or name.startswith("/") or "\\" in name or "\0" in name or any(p in ("..", ".") for p in parts)
            or ":" in parts[0]):
        raise Refused(f"the archive holds an unsafe name ({name[:80]!r}); it was not unpacked")
    target = into.joinpath(*parts)
    if not target.resolve().is_relative_to(into):
        raise Refused(f"the archive holds an unsafe name ({name[:80]!r}); it was not unpacked")
    return target


def _extract(zf: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, written: int, limits: Limits) -> int:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with zf.open(member) as src, os.fdopen(fd, "wb") as out:
        while chunk := src.read(1024 * 1024):
            written += len(chunk)
            if written > limits.max_bytes:
                raise Refused(f"the archive unpacks to more than {limits.max_bytes // MIB} MB; it was not unpacked")
            out.write(chunk)
    return written
