"""Limits: sessions, options and settings that are too long, too large or not numbers at all must
end in a clean message (or run in bounded memory), never a traceback, a hang or a runaway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.conftest import ROOT, run_cli

# `voiceguide ARGS` in this process, then its own peak resident memory on stdout's last line.
PEAK = """
import resource, sys
from voiceguide.cli import cli
try:
    cli(sys.argv[1:], prog_name="voiceguide")
except SystemExit as exc:
    code = exc.code
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
sys.exit(code)
"""


def peak_mb(*args: str) -> int:
    proc = subprocess.run([sys.executable, "-c", PEAK, *args], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(proc.stdout.splitlines()[-1])


def script(folder: Path, name: str, steps: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"id: {name}\ntitle: {name}\nsummary: A limits test.\nsteps:\n{steps}", encoding="utf-8")
    return path


def test_render_streams_a_long_session_in_flat_memory(tmp_path: Path) -> None:
    """A four-hour timer at --time-scale 4 is an hour of audio (a 159 MB file): held whole, as a
    float timeline, it took 364 MB; streamed, the render's memory does not depend on its length."""
    long = script(tmp_path, "long", "  - say: Begin.\n  - timer: 240m\n  - say: Done.\n")
    short = script(tmp_path, "short", "  - say: Begin.\n  - timer: 1m\n  - say: Done.\n")
    out = tmp_path / "out.wav"
    small = peak_mb("render", str(short), "-o", str(out))
    big = peak_mb("render", str(long), "-o", str(out), "--time-scale", "4")
    assert out.stat().st_size > 150_000_000
    assert big < small + 40, f"an hour of audio peaked at {big} MB, a minute at {small} MB"


def test_render_memory_does_not_grow_with_the_number_of_steps(tmp_path: Path) -> None:
    """Every placed sound was kept to the end: about 0.9 MB a step (4000 timers took 3.5 GB)."""
    few = script(tmp_path, "few", "  - say: Begin.\n" + "  - timer: 1s\n" * 10)
    many = script(tmp_path, "many", "  - say: Begin.\n" + "  - timer: 1s\n" * 400)
    out = tmp_path / "out.wav"
    small = peak_mb("render", str(few), "-o", str(out))
    big = peak_mb("render", str(many), "-o", str(out))
    assert big < small + 40, f"400 timers peaked at {big} MB, 10 at {small} MB"


def test_render_refuses_a_session_longer_than_a_wav_can_hold(tmp_path: Path, sentinel: Path) -> None:
    """Ten four-hour timers at full length asked for one 11.8 GiB array; a WAV holds about 27 hours."""
    ten = script(tmp_path, "ten", "  - say: Begin.\n" + "  - timer: 240m\n" * 10)
    out = sentinel.parent / "ten.wav"
    ran = run_cli("render", str(ten), "-o", str(out), timeout=60)
    assert ran.returncode == 2
    assert "longer than a WAV file can hold" in ran.stderr
    assert not out.exists()


def test_render_onto_a_full_disk_ends_with_a_message(tmp_path: Path) -> None:
    """A disk that fills up mid-render (here: a 10 MB limit on the file's size) is one clean line,
    now that the file is written as the session goes rather than at its end."""
    import resource

    long = script(tmp_path, "long", "  - say: Begin.\n  - timer: 240m\n")
    out = tmp_path / "out.wav"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (10_000_000, 10_000_000))

    proc = subprocess.run([sys.executable, "-m", "voiceguide", "render", str(long), "-o", str(out), "--time-scale", "4"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, preexec_fn=limit,
                          env=dict(os.environ))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"cannot write {out} (the disk may be full)" in proc.stderr


# ---- listen --wav ------------------------------------------------------------------------------


def wav_at(path: Path, rate: int, subtype: str = "PCM_16") -> Path:
    import numpy as np
    import soundfile

    soundfile.write(path, np.zeros(800, dtype=np.float32), 8000, subtype=subtype)
    if rate != 8000:  # rates libsndfile would not write: set in the header, as a hostile file would
        data = bytearray(path.read_bytes())
        data[24:28] = rate.to_bytes(4, "little")
        data[28:32] = (rate * 2 % 2**32).to_bytes(4, "little")
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("rate", [300, 2_147_483_647])
def test_listen_refuses_a_wav_at_an_absurd_rate(tmp_path: Path, sentinel: Path, rate: int) -> None:
    """At 300 Hz the listener thread died (half a stack trace, exit 0); at 2147483647 Hz Vosk's
    resampler grew to 3.6 GB and aborted the process."""
    wav = wav_at(tmp_path / "odd.wav", rate)
    ran = run_cli("listen", "--wav", str(wav), "--fast", "--lang", "ko", timeout=60)
    assert ran.returncode == 2
    assert f"its sample rate, {rate} Hz, is outside 8000 to 192000 Hz" in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1


def test_listen_refuses_a_pipe_as_its_wav(tmp_path: Path) -> None:
    fifo = tmp_path / "talk.wav"
    os.mkfifo(fifo)
    ran = run_cli("listen", "--wav", str(fifo), "--fast", timeout=20)
    assert ran.returncode == 2
    assert "is a pipe (FIFO), not a WAV file" in ran.stderr


def test_listen_ends_with_an_error_when_the_file_breaks_mid_way(tmp_path: Path) -> None:
    """A FLAC damaged in its middle killed the reading thread: a traceback, then exit 0 as if the
    recording had simply ended."""
    from tests.listen_real import korean_model

    import numpy as np
    import soundfile

    korean_model()
    good = tmp_path / "good.flac"
    soundfile.write(good, (np.random.default_rng(0).standard_normal(160000) * 0.1).astype(np.float32), 16000,
                    format="FLAC")
    data = bytearray(good.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2000] = bytes((b * 7 + 3) & 255 for b in data[middle : middle + 2000])
    bad = tmp_path / "bad.flac"
    bad.write_bytes(data)
    ran = run_cli("listen", "--wav", str(bad), "--fast", "--lang", "ko", timeout=120)
    assert ran.returncode == 1
    assert ran.stderr.strip() == f"voiceguide: reading {bad} failed: LibsndfileError: Error : flac decoder lost sync."


def test_listen_hears_a_command_in_a_float_wav(tmp_path: Path) -> None:
    """32-bit float recordings were read as silence: nothing was ever heard in them."""
    from tests.listen_real import corpus, korean_model

    import numpy as np
    import soundfile

    korean_model()
    clip = corpus.synth("도움말", "ko", 160)
    audio = np.concatenate([corpus.silence(1.0), clip.audio, corpus.silence(1.5)]).astype(np.float32) / 32768.0
    wav = tmp_path / "float.wav"
    soundfile.write(wav, audio, corpus.RATE, subtype="FLOAT")
    ran = run_cli("listen", "--wav", str(wav), "--fast", "--json", "--lang", "ko", timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert [json.loads(line)["name"] for line in ran.stdout.splitlines()] == ["help"]
