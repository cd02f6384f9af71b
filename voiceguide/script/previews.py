"""Previews written by `voiceguide render` carry a mark, so `check` can tell them from clips.

An author renders a preview next to the script they are writing, and then `check --strict`
would fail on it as an unused audio file. The preview is not an author's clip: `render` adds a
standard RIFF INFO chunk naming voiceguide as the software that made it (players ignore it,
editors show it), and the unused-audio rule leaves files with that mark alone.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from voiceguide.safeio import NotReadable, open_regular

SOFTWARE = b"voiceguide render preview\x00"  # even length: RIFF pads odd chunks
_INFO = b"INFO" + b"ISFT" + struct.pack("<I", len(SOFTWARE)) + SOFTWARE
MARK_CHUNK = b"LIST" + struct.pack("<I", len(_INFO)) + _INFO
MAX_CHUNKS = 64  # a WAV has a handful; the search for the mark stays bounded on any file
MAX_RIFF = 0xFFFF_FFFF


def mark(path: Path) -> bool:
    """Append the mark to a finished RIFF/WAVE file and fix its length field; False (and the file
    untouched) when it is not a plain RIFF/WAVE file or would outgrow one."""
    try:
        fd = open_regular(Path(path), what="WAV file")
    except NotReadable:
        return False
    os.close(fd)
    with open(path, "r+b") as f:
        head = f.read(12)
        size = f.seek(0, os.SEEK_END)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE" or size % 2:
            return False
        if size + len(MARK_CHUNK) - 8 > MAX_RIFF:
            return False
        f.write(MARK_CHUNK)
        f.seek(4)
        f.write(struct.pack("<I", size + len(MARK_CHUNK) - 8))
    return True


def is_marked(path: Path) -> bool:
    """Whether `path` is a WAV file that `render` wrote. Reads only chunk headers and small
    LIST chunks, at most MAX_CHUNKS of them; anything unreadable is simply not marked."""
    try:
        fd = open_regular(Path(path), what="WAV file")
    except NotReadable:
        return False
    with os.fdopen(fd, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return False
        for _ in range(MAX_CHUNKS):
            header = f.read(8)
            if len(header) < 8:
                return False
            kind, length = header[:4], struct.unpack("<I", header[4:])[0]
            if kind == b"LIST" and length <= 4096:
                if SOFTWARE in f.read(length):
                    return True
                f.seek(length % 2, os.SEEK_CUR)
            else:
                f.seek(length + length % 2, os.SEEK_CUR)
    return False
