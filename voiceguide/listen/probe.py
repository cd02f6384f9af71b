"""Proof, from a child process, that Vosk can load a model and listen with it.

A damaged model does not make Vosk raise: it kills the process. A truncated `graph/HCLr.fst`
segfaults as a grammar recogniser is made, an empty `conf/model.conf` aborts at the first second
of audio (vosk 0.3.45); nothing in Python can catch either, and the couple would lose the session.
So before a model is loaded in voiceguide's own process, a child process loads it, makes a grammar
recogniser and feeds it a second of silence. Once it has, the proof is remembered beside the model
views, keyed by the path, size and time of every file Vosk would read and by the Vosk version: an
unchanged model is never probed again, a changed one always is.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from voiceguide.listen.modelview import views_dir

FORMAT = "1"  # bump when what a probe proves changes
TIMEOUT_S = 300.0  # a Raspberry Pi loads the Korean small model in well under a minute
_MAX_ENTRIES = 5000  # a model has a few dozen files; a folder with more (or a link loop) is not walked
_PROVEN = b"loads\n"


def loads(folder: Path, root: Path | None = None, timeout: float = TIMEOUT_S) -> bool:
    """Whether Vosk can load `folder` and listen with it without dying: remembered, or proven now
    in a child process (and then remembered)."""
    try:
        key = fingerprint(folder)
    except NotAModel:
        return False
    proof = (root or views_dir()) / "proofs" / key if key else None
    if proof is not None and _remembered(proof):
        return True
    if not _probe(folder, timeout):
        return False
    if proof is not None:
        _remember(proof)
    return True


class NotAModel(Exception):
    """The folder holds something Vosk would hang on or read without end (a FIFO, a device)."""


def fingerprint(folder: Path) -> str | None:
    """A key that changes whenever a file in the model does (followed through the links of a
    view), or None when the folder cannot be walked within bounds. NotAModel for a folder holding
    a FIFO or a device: not worth a child process that would only hang on it."""
    try:
        folder = folder.resolve()
        lines = [f"{FORMAT} {_vosk_version()} {folder}"]
        count = 0
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
            dirnames.sort()
            if len(Path(dirpath).relative_to(folder).parts) > 8:
                return None
            for name in sorted(filenames):
                count += 1
                if count > _MAX_ENTRIES:
                    return None
                path = Path(dirpath) / name
                st = path.stat()
                if not stat.S_ISREG(st.st_mode):
                    raise NotAModel(path)
                lines.append(f"{path.relative_to(folder)} {st.st_size} {st.st_mtime_ns} {st.st_ino}")
    except (OSError, ValueError):
        return None
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


def _vosk_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("vosk")
    except metadata.PackageNotFoundError:
        return "unknown"


def _remembered(proof: Path) -> bool:
    from voiceguide.safeio import NotReadable, read_bytes

    try:
        return read_bytes(proof, 64, what="model proof") == _PROVEN
    except NotReadable:
        return False


def _remember(proof: Path) -> None:
    """Written whole or not at all; a cache that cannot be written only means probing again."""
    try:
        proof.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".proof-", dir=proof.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(_PROVEN)
        os.replace(tmp, proof)
    except OSError:
        pass


def _probe(folder: Path, timeout: float) -> bool:
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": package_root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        done = subprocess.run([sys.executable, "-m", "voiceguide.listen.probe", str(folder)], env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.endswith(_PROVEN)


def main(argv: list[str]) -> int:
    """The child: load the model, make a grammar recogniser, listen to a second of silence."""
    import vosk

    vosk.SetLogLevel(-1)
    try:
        model = vosk.Model(argv[0])
        recognizer = vosk.KaldiRecognizer(model, 16000.0, '["[unk]"]')
        recognizer.AcceptWaveform(bytes(32000))  # endpointing reads the model's settings here
        recognizer.FinalResult()
    except Exception:  # noqa: BLE001  (vosk raises a bare Exception for every failure)
        return 1
    sys.stdout.buffer.write(_PROVEN)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
