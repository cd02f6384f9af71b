"""Hostile input to enrollment and to the enrolled voices: recordings that are not recordings,
templates files that are damaged, foreign, huge, pipes or links out of voiceguide's folders."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.enroll_words import quiet, word
from tests.hostile.conftest import run_cli


def voices_dir() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "voiceguide" / "voices"


def small_wav(path: Path) -> Path:
    import soundfile as sf

    sf.write(str(path), np.concatenate([quiet(0.5), word("다음"), quiet(1.0)]), 16000, subtype="PCM_16")
    return path


@pytest.mark.parametrize("make", ["devzero", "fifo", "folder", "missing"])
def test_enroll_refuses_a_recording_that_is_not_a_file(tmp_path: Path, sentinel: Path, make: str) -> None:
    path = tmp_path / "rec.wav"
    if make == "devzero":
        path.symlink_to("/dev/zero")
    elif make == "fifo":
        os.mkfifo(path)
    elif make == "folder":
        path.mkdir()
    ran = run_cli("enroll", "--text", "--wav", str(path), timeout=30)
    assert ran.returncode == 2, ran.stderr
    assert len(ran.stderr.strip().splitlines()) <= 4  # one line, or a usage error
    assert not voices_dir().exists()


@pytest.mark.parametrize("lang", ["../../etc", "ko/../../x", "zz"])
def test_enroll_refuses_a_language_that_is_not_one(lang: str, sentinel: Path) -> None:
    ran = run_cli("enroll", "--text", "--lang", lang, timeout=30)
    assert ran.returncode == 2, ran.stderr


def _npz(arrays: dict) -> bytes:  # type: ignore[type-arg]
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _meta(header: dict) -> np.ndarray:  # type: ignore[type-arg]
    return np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)


def _partner(takes: dict, negatives: int = 0) -> dict:  # type: ignore[type-arg]
    return {"name": "A", "enrolled": "2026-01-01", "phrases": {}, "thresholds": {}, "takes": takes,
            "negatives": negatives}


def _bomb() -> bytes:
    """A templates file whose one array unpacks from a few hundred KB to 400 MB."""
    import zipfile

    buf = io.BytesIO()
    header = np.lib.format.header_data_from_array_1_0(np.zeros((1, 12), np.float32))
    header["shape"] = (100 * 1024 * 1024 // 12, 12)
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, header)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("meta.npy", _npy(_meta({"partners": [_partner({"next": 1})]})))
        with zf.open("p0_next_0.npy", "w", force_zip64=True) as f:
            f.write(head.getvalue())
            chunk = b"\0" * (1 << 20)
            for _ in range(400):
                f.write(chunk)
    return buf.getvalue()


def _npy(a: np.ndarray) -> bytes:  # type: ignore[type-arg]
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


DAMAGED = {
    "empty": b"",
    "garbage": os.urandom(4096),
    "huge": b"\0" * (5 * 1024 * 1024),
    "pickled": _npz({"meta": np.array([{"x": 1}], dtype=object)}),
    "audio-as-template": _npz({"meta": _meta({"partners": [_partner({"next": 1})]}),
                               "p0_next_0": word("다음")}),
    "too-many-rows": _npz({"meta": _meta({"partners": [_partner({"next": 1})]}),
                           "p0_next_0": np.zeros((5000, 12), np.float32)}),
    "absurd-count": _npz({"meta": _meta({"partners": [_partner({"next": 10**9})]})}),
    "name-with-path": _npz({"meta": _meta({"partners": [_partner({"../x": 1})]}),
                            "p0_../x_0": np.zeros((10, 12), np.float32)}),
    "zip-bomb": b"",  # made by _bomb() when used: it takes a second
    "nan": _npz({"meta": _meta({"partners": [_partner({"next": 1})]}),
                 "p0_next_0": np.full((10, 12), np.nan, np.float32)}),
}


@pytest.mark.parametrize("kind", [*DAMAGED, "fifo", "devzero", "folder"])
def test_a_damaged_templates_file_is_one_message_and_forget_clears_it(kind: str, sentinel: Path) -> None:
    folder = voices_dir()
    folder.mkdir(parents=True)
    path = folder / "en.npz"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "devzero":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    else:
        path.write_bytes(_bomb() if kind == "zip-bomb" else DAMAGED[kind])
    ran = run_cli("enroll", "--show", timeout=30)
    if kind == "folder":  # not a templates file at all: nothing to show
        assert ran.returncode in (0, 1)
        return
    assert ran.returncode == 1, ran.stderr
    assert "enroll --forget" in ran.stderr and len(ran.stderr.strip().splitlines()) == 1
    # listening goes on without them (here: English has no model, so it says that, cleanly)
    ran = run_cli("listen", "--lang", "en", "--wav", str(small_wav(sentinel.parent / "x.wav")), "--fast", timeout=30)
    assert ran.returncode == 1 and "no speech model" in ran.stderr
    assert "listening without them" in ran.stderr
    assert run_cli("enroll", "--forget", timeout=30).returncode == 0
    assert not path.exists() and not path.is_symlink()


def test_forget_removes_a_link_not_what_it_points_to(sentinel: Path) -> None:
    folder = voices_dir()
    folder.mkdir(parents=True)
    (folder / "ko.npz").symlink_to(sentinel / "keep.txt")
    assert run_cli("enroll", "--forget", timeout=30).returncode == 0
    assert (sentinel / "keep.txt").read_text() == "keep me\n"


def test_a_voices_folder_that_links_elsewhere_is_never_written_or_emptied(tmp_path: Path, sentinel: Path) -> None:
    voices_dir().parent.mkdir(parents=True)
    voices_dir().symlink_to(sentinel, target_is_directory=True)
    import soundfile as sf

    takes = [quiet(0.6)]
    for k in range(3 * 7 + 6):
        takes += [word(("다음", "멈춰", "계속", "다시", "이전", "그만", "도움말")[k // 3 % 7], seed=k), quiet(0.8, seed=k)]
    rec = tmp_path / "rec.wav"
    sf.write(str(rec), np.concatenate(takes), 16000, subtype="PCM_16")
    ran = run_cli("enroll", "--text", "--lang", "en", "--wav", str(rec), timeout=60)
    assert ran.returncode == 1 and "link" in ran.stderr, ran.stderr
    assert run_cli("enroll", "--forget", timeout=30).returncode == 0  # the sentinel fixture checks it is untouched
