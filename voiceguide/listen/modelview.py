"""A grammar-only view of a Vosk model: the same files, without the model's language model.

voiceguide only ever decodes with a small grammar, which Vosk composes with the model's HCLr graph
itself. The model's own n-gram language model (`graph/Gr.fst`) is still loaded, and never used:
in the Korean small model that is about 100 MB of memory and half a second of loading (measured by
scripts/bench_model.py: RSS 535 -> 440 MB, load 1.8 -> 1.3 s; tests/test_modelview.py checks the
words, confidences and timings are the same for the same audio). On a Raspberry Pi both matter.

A view is a folder of symlinks to the model's own files, with an empty `Gr.fst`, and the word list,
which Vosk otherwise reads from `Gr.fst`'s symbol table, as `graph/words.txt`. It is made once per
model in the user cache folder (a few MB of words, never audio). Whenever anything is unusual —
another model layout, symlinks not allowed, an unreadable file — the model is used as it is.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import tempfile
from pathlib import Path

from voiceguide import places

FORMAT = "1"  # bump when what a view holds changes

_FST_MAGIC = 2125659606  # OpenFst's binary FST header
_SYMBOLS_MAGIC = 2125658996  # OpenFst's binary symbol table
_HAS_ISYMBOLS = 1


def views_dir() -> Path:
    """Where views are kept (VOICEGUIDE_MODEL_CACHE, else the platform's user cache folder)."""
    env = os.environ.get("VOICEGUIDE_MODEL_CACHE")
    if env:
        return Path(env)
    return places.cache_dir() / "models"


def grammar_view(model: Path, root: Path | None = None) -> Path:
    """The view of `model` (made now if needed), or `model` itself when no view can be made."""
    graph = model / "graph"
    if not ((graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()) or (graph / "HCLG.fst").exists():
        return model  # not a lookahead model: nothing to leave out
    try:
        model = model.resolve()
        stat = (model / "graph" / "Gr.fst").stat()
        stamp = f"{FORMAT} {model} {stat.st_size} {stat.st_mtime_ns}\n"
        root = root or views_dir()
        view = root / f"{model.parent.name}-{model.name}-{hashlib.sha256(str(model).encode()).hexdigest()[:12]}"
        if _is_current(view, stamp):
            return view
        root.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
        try:
            _build(model, building, stamp)
            _replace(building, view, stamp)
        finally:
            shutil.rmtree(building, ignore_errors=True)
        return view
    except (OSError, ValueError, struct.error, UnicodeDecodeError):
        return model


def _build(model: Path, view: Path, stamp: str) -> None:
    for entry in model.iterdir():
        if entry.name != "graph":
            os.symlink(entry, view / entry.name)
    graph = view / "graph"
    graph.mkdir()
    for entry in (model / "graph").iterdir():
        if entry.name != "Gr.fst":
            os.symlink(entry, graph / entry.name)
    if not (graph / "words.txt").exists():
        words = read_symbols(model / "graph" / "Gr.fst")
        with open(graph / "words.txt", "wb") as out:
            out.writelines(b"%s %d\n" % pair for pair in words)
    (graph / "Gr.fst").write_bytes(EMPTY_FST)
    (view / "stamp").write_text(stamp, encoding="utf-8")  # last: a view without it is unfinished


def _replace(building: Path, view: Path, stamp: str) -> None:
    """Put the finished view in place with one rename. Another process may be making the same view
    right now (whichever lands first is kept), or be using an outdated one (moved aside, then
    removed: files it has open stay readable)."""
    if _is_current(view, stamp):
        return
    if view.exists():
        old = Path(tempfile.mkdtemp(prefix=".old-", dir=view.parent))
        os.rename(view, old / "view")
        shutil.rmtree(old, ignore_errors=True)
    try:
        os.rename(building, view)
    except OSError:
        if not _is_current(view, stamp):
            raise


def _is_current(view: Path, stamp: str) -> bool:
    """A finished view of the model as it is now (its stamp is written last)."""
    try:
        return (view / "stamp").read_text(encoding="utf-8") == stamp
    except OSError:
        return False


def read_symbols(fst: Path) -> list[tuple[bytes, int]]:
    """The input symbol table of a binary OpenFst file: (UTF-8 word, id) pairs. ValueError if there
    is none, or if a word could not be written one per line."""
    import mmap

    int32, int64 = struct.Struct("<i").unpack_from, struct.Struct("<q").unpack_from
    with open(fst, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        pos = 0

        def text() -> bytes:
            nonlocal pos
            (n,) = int32(data, pos)
            if n < 0 or pos + 4 + n > len(data):
                raise ValueError(f"{fst}: not an OpenFst file")
            pos += 4 + n
            return data[pos - n:pos]

        (magic,) = int32(data, 0)
        if magic != _FST_MAGIC:
            raise ValueError(f"{fst}: not an OpenFst file")
        pos = 4
        text(), text()  # FST type, arc type
        _version, flags = struct.unpack_from("<ii", data, pos)
        pos += 8 + 32  # and properties, start state, number of states, number of arcs
        if not flags & _HAS_ISYMBOLS or int32(data, pos)[0] != _SYMBOLS_MAGIC:
            raise ValueError(f"{fst}: no word list in it")
        pos += 4
        text()  # the table's name
        _next_key, count = struct.unpack_from("<qq", data, pos)
        pos += 16
        words = []
        for _ in range(count):
            word = text()
            words.append((word, int64(data, pos)[0]))
            pos += 8
    bad = next((w for w, _ in words if len(w.split()) != 1), None)
    if bad is not None:
        raise ValueError(f"{fst}: a word that cannot go in words.txt: {bad!r}")
    for word, _ in words[:: max(1, len(words) // 1000)]:
        word.decode("utf-8")  # UnicodeDecodeError: not a word list after all
    return words


def _empty_fst() -> bytes:
    """A valid OpenFst vector FST with one state, no arcs and nothing final: the language model
    left out. (Vosk reads Gr.fst as it loads even when every recogniser brings its own grammar.)"""

    def text(s: bytes) -> bytes:
        return struct.pack("<i", len(s)) + s

    header = (struct.pack("<i", _FST_MAGIC) + text(b"vector") + text(b"standard")
              + struct.pack("<ii", 2, 0)  # version, flags: no symbol tables
              + struct.pack("<Qqqq", 0, 0, 1, 0))  # properties, start state, states, arcs
    state = struct.pack("<f", float("inf")) + struct.pack("<q", 0)  # final weight "never", no arcs
    return header + state


EMPTY_FST = _empty_fst()
