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


@pytest.mark.slow  # loads the real Korean model
def test_listen_ends_with_an_error_when_the_file_breaks_mid_way(tmp_path: Path) -> None:
    """A FLAC damaged in its middle killed the reading thread: a traceback, then exit 0 as if the
    recording had simply ended."""
    from tests.listen_real import korean_model

    from tests.test_listen_failures import damaged_flac

    korean_model()
    bad = damaged_flac(tmp_path)
    ran = run_cli("listen", "--wav", str(bad), "--fast", "--lang", "ko", timeout=120)
    assert ran.returncode == 1
    assert ran.stderr.strip() == f"voiceguide: reading {bad} failed: LibsndfileError: Error : flac decoder lost sync."


@pytest.mark.slow  # loads the real Korean model
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


# ---- options and settings ----------------------------------------------------------------------

SCALES = ["nan", "inf", "-inf", "1e-300", "1e400", "0", "-1"]


@pytest.mark.parametrize("scale", SCALES)
def test_play_and_menu_refuse_a_time_scale_that_is_not_a_sane_number(scale: str) -> None:
    """nan hung the session, inf and 1e400 crashed on a NaN timer, 1e-300 on a time out of range."""
    for command in (["play", "presence"], ["menu"]):
        ran = run_cli(*command, "--text", "--time-scale", scale, input="next\nnext\nstop\nstop\n", timeout=30)
        assert ran.returncode == 2, ran.stderr
        assert "Invalid value for '--time-scale': must be a number from 0.01 to 100000" in ran.stderr


@pytest.mark.parametrize("scale", SCALES)
def test_render_refuses_a_time_scale_that_is_not_a_sane_number(tmp_path: Path, scale: str) -> None:
    out = tmp_path / "out.wav"
    ran = run_cli("render", "presence", "-o", str(out), "--time-scale", scale, timeout=30)
    assert ran.returncode == 2, ran.stderr
    assert "voiceguide: --time-scale must be a number from 0.01 to 100000" in ran.stderr
    assert not out.exists()


def with_config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return {"VOICEGUIDE_CONFIG": str(path)}


@pytest.mark.parametrize("setting, message", [
    ("rate = inf", "rate must be a whole number, not inf"),
    ("rate = -inf", "rate must be a whole number, not -inf"),
    ("rate = nan", "rate must be a whole number, not nan"),
    ("rate = 140.5", "rate must be a whole number, not 140.5"),
    ("rate = true", "rate must be a whole number, not True"),
    ("rate = [140]", "rate must be a whole number, not [140]"),
    ("volume = inf", "volume must be a number, not inf"),
    ("volume = nan", "volume must be a number, not nan"),
    ("volume = " + "9" * 400, "volume must be a number, not 9999"),
    ("partner-a = ['Sam', 'Alex']", "partner-a must be text in quotes, not a list (['Sam', 'Alex'])"),
    ("partner-b = { name = 'Alex' }", "partner-b must be text in quotes, not a table ({'name': 'Alex'})"),
    ("partner-a = 7", "partner-a must be text in quotes, not a number (7)"),
    ("voice = ['en-us']", "voice must be text in quotes, not a list"),
    ("model = 1979-05-27", "model must be text in quotes, not a date"),
])
def test_a_config_value_of_the_wrong_kind_is_refused_by_name(tmp_path: Path, setting: str, message: str) -> None:
    """`rate = inf` crashed (OverflowError); names given as a list or table were spoken as Python
    reprs ("Hello ['Sam', 'Alex']")."""
    ran = run_cli("play", "presence", "--text", "--time-scale", "1000", input="stop\n",
                  env=with_config(tmp_path, setting + "\n"), timeout=30)
    assert ran.returncode == 2, ran.stderr + ran.stdout
    assert message in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1
    assert "['" not in ran.stdout and "{'" not in ran.stdout


def test_a_device_may_still_be_given_by_its_number(tmp_path: Path) -> None:
    ran = run_cli("config", env=with_config(tmp_path, "output-device = 3\ninput-device = 2\n"), timeout=30)
    assert ran.returncode == 0, ran.stderr
    assert "3" in ran.stdout


def _with_file_size_limit(limit: int, *args: str, input: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`voiceguide ARGS` where no file may grow past `limit` bytes: the trace's writes then fail
    as they do on a full disk (a device such as /dev/full is refused up front as a trace target)."""
    import resource

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "voiceguide", *args], capture_output=True, text=True, input=input,
                          timeout=timeout, env=env, preexec_fn=limited)
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}"
    assert "Traceback" not in proc.stderr, proc.stderr[-4000:]
    return proc


def test_the_trace_on_a_full_disk_is_said_once_and_the_session_ends_well(tmp_path: Path) -> None:
    """A trace whose writes fail mid-session (no room left) crashed the session."""
    trace = tmp_path / "t.jsonl"
    ran = _with_file_size_limit(4000, "play", "needs-sharing", "--text", "--time-scale", "1000", "--trace", str(trace),
                                input="next\nnext\nnext\n")
    assert ran.returncode == 0, ran.stderr
    assert "session completed" in ran.stderr
    warnings = [text for text in ran.stderr.splitlines() if "trace" in text]
    assert warnings == [f"voiceguide: cannot write the trace {trace} (File too large); "
                        "the session goes on without it"]


def test_the_menus_trace_on_a_full_disk_too(tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    ran = _with_file_size_limit(300, "menu", "--text", "--time-scale", "1000", "--trace", str(trace),
                                input="stop\nstop\n")
    assert ran.returncode == 0, ran.stderr
    assert f"cannot write the trace {trace}" in ran.stderr


def test_a_device_as_the_trace_is_refused_before_the_session(tmp_path: Path) -> None:
    ran = run_cli("play", "presence", "--text", "--trace", "/dev/full", input="stop\n", timeout=30)
    assert ran.returncode == 2
    assert "is a device" in ran.stderr


@pytest.mark.parametrize("command", [["play", "presence"], ["menu"]])
def test_a_trace_into_a_pipe_nobody_reads_is_refused_not_waited_on(tmp_path: Path, command: list[str]) -> None:
    fifo = tmp_path / "trace.jsonl"
    os.mkfifo(fifo)
    ran = run_cli(*command, "--text", "--trace", str(fifo), input="stop\n", timeout=30)
    assert ran.returncode == 2
    assert "is a pipe" in ran.stderr


def test_a_trace_in_a_missing_folder_is_refused_by_the_menu_too(tmp_path: Path) -> None:
    ran = run_cli("menu", "--text", "--trace", str(tmp_path / "no" / "such" / "t.jsonl"), input="stop\n", timeout=30)
    assert ran.returncode == 2
    assert "cannot write the trace" in ran.stderr


HUGE = "9" * 100_000


@pytest.mark.parametrize("args, env", [
    (["say", "--rate", HUGE, "hello"], {}),
    (["play", "presence", "--text", "--first", "x" * 100_000], {}),
    (["play", "x" * 100_000, "--text"], {}),
    (["play", "presence", "--text"], {"VOICEGUIDE_RATE": HUGE[:4000]}),
    (["play", "presence", "--text"], {"VOICEGUIDE_VOLUME": HUGE}),
    (["play", "presence", "--text", "--rate", "1" + "0" * 3000], {}),
])
def test_a_message_shortens_the_huge_value_it_echoes(args: list[str], env: dict[str, str]) -> None:
    ran = run_cli(*args, env=env, input="stop\n", timeout=30)
    assert ran.returncode == 2
    assert len(ran.stderr) < 600, ran.stderr[:600]
    assert "characters)" in ran.stderr  # and says how long the value was


@pytest.mark.parametrize("seconds", ["nan", "inf", "1e400", "0", "-5"])
def test_mic_test_wants_a_finite_wait(seconds: str) -> None:
    """NaN gave up at once ('did not hear within nan s'), infinity waited forever."""
    ran = run_cli("mic-test", "--seconds", seconds, timeout=30)
    assert ran.returncode == 2
    assert "Invalid value for '--seconds': must be a number of seconds from 1 to 3600" in ran.stderr
