"""Previews from `render` are marked, and only they are taken for previews."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import soundfile

from voiceguide.script.lint import unused_audio
from voiceguide.script.previews import MAX_CHUNKS, is_marked, mark
from voiceguide.textout import _wav_seconds


def wav(path: Path, frames: int = 2205, rate: int = 22050) -> Path:
    soundfile.write(str(path), np.zeros(frames, dtype=np.float32), rate, subtype="PCM_16", format="WAV")
    return path


def test_a_marked_wav_is_recognised_and_still_plays_the_same(tmp_path):
    f = wav(tmp_path / "preview.wav")
    before, rate = soundfile.read(str(f))
    assert not is_marked(f)
    assert mark(f)
    assert is_marked(f)
    after, rate_after = soundfile.read(str(f))
    assert rate_after == rate and np.array_equal(before, after)
    assert struct.unpack("<I", f.read_bytes()[4:8])[0] == f.stat().st_size - 8


def test_only_marked_previews_are_left_out_of_unused_audio(tmp_path):
    (tmp_path / "x.yaml").write_text("id: x\ntitle: T\nsummary: S\nsteps:\n  - say: Hello.\n")
    mark(wav(tmp_path / "preview.wav"))
    wav(tmp_path / "mine.wav")
    assert [Path(p.file).name for p in unused_audio(tmp_path)] == ["mine.wav"]


def test_what_is_not_a_wav_is_neither_marked_nor_recognised(tmp_path):
    junk = tmp_path / "junk.wav"
    junk.write_bytes(os.urandom(1001))
    before = junk.read_bytes()
    assert not mark(junk) and junk.read_bytes() == before
    assert not is_marked(junk)
    pipe = tmp_path / "pipe.wav"
    os.mkfifo(pipe)
    assert not is_marked(pipe) and not mark(pipe)


def test_the_search_for_the_mark_is_bounded(tmp_path):
    f = tmp_path / "many.wav"
    chunk = b"junk" + struct.pack("<I", 2) + b"xx"
    f.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(chunk) * (MAX_CHUNKS + 10)) + b"WAVE" + chunk * (MAX_CHUNKS + 10))
    assert not is_marked(f)


def test_text_mode_paces_a_clip_by_its_bytes_not_its_header(tmp_path):
    honest = wav(tmp_path / "honest.wav", frames=11025)
    assert abs(_wav_seconds(honest) - 0.5) < 1e-6
    lying = tmp_path / "lying.wav"
    data = honest.read_bytes()
    lying.write_bytes(data[:40] + struct.pack("<I", 2**31) + data[44:])  # the data chunk claims 2 GB
    assert _wav_seconds(lying) < 0.51  # at most what the whole file could hold
    pipe = tmp_path / "pipe.wav"
    os.mkfifo(pipe)
    assert _wav_seconds(pipe) == 0.0
