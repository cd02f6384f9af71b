"""Privacy of enrollment: it opens no network connection and writes nothing but its templates file
(features, moved into place), never audio. Every system call of the real process that touches the
network or creates, writes or renames a file is logged by strace (or, where strace cannot trace,
Python's own calls by an audit hook), as in tests/test_privacy.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.enroll_words import SHAPES, quiet, word
from tests.test_privacy import AUDIO_SUFFIXES, strace_works, watched, what_it_did


def test_enroll_writes_only_its_features_file_and_opens_no_connection(tmp_path: Path, private_dirs: Path) -> None:
    import soundfile as sf

    tones = list(SHAPES)
    parts = [quiet(0.6)]
    for k in range(2 * (3 * 7 + 6)):
        parts += [word(tones[k // 3 % len(tones)], seconds=0.45 + 0.02 * (k % 3), seed=k), quiet(0.8, seed=k)]
    rec = tmp_path / "takes.wav"  # what the partners say: written by the test, before enrollment
    sf.write(str(rec), np.concatenate(parts), 16000, subtype="PCM_16")
    work = tmp_path / "work"
    work.mkdir()
    logs = tmp_path / "logs"
    logs.mkdir()
    root = str(Path(__file__).resolve().parent.parent)  # this checkout's voiceguide, whatever the cwd
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "voiceguide", "enroll", "--text", "--lang", "en", "--wav", str(rec)]
    use_strace = strace_works() is None
    cmd = watched(cmd, env, logs, use_strace)
    proc = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    network, written, _ = what_it_did(logs, work, use_strace)
    assert network == [], network
    voices = private_dirs / "xdg_data_home" / "voiceguide" / "voices"
    outside = [p for p in written if not p.startswith("/dev/") and Path(p).parent != voices]
    assert outside == [], outside
    assert str(voices / "en.npz") in written  # the audit saw the one write it allows
    assert [p for p in written if p.lower().endswith(AUDIO_SUFFIXES)] == []
    with np.load(voices / "en.npz", allow_pickle=False) as z:
        assert all(z[k].dtype == np.float32 and z[k].ndim == 2 and z[k].shape[1] == 12 for k in z.files if k != "meta")


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
