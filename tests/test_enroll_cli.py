"""voiceguide enroll through the real CLI: from a recording with --text, keys from a pipe, --show
and --forget; and the enrolled voices as the only spotter for a language with no model."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.enroll_words import SHAPES, quiet, word
from voiceguide.lang import load_pack

EN = load_pack("en")
N_LOOKALIKES = 6
TONES = list(SHAPES)


def takes(n: int, *, first_quiet: bool = False):  # type: ignore[no-untyped-def]
    parts = [quiet(0.6)]
    for k in range(n):
        level = 0.01 if first_quiet and k == 0 else 0.3
        parts += [word(TONES[k // 3 % len(TONES)], seconds=0.45 + 0.02 * (k % 3), level=level, seed=k), quiet(0.8, seed=k)]
    return np.concatenate(parts)


def write(path: Path, samples) -> Path:  # type: ignore[no-untyped-def]
    import soundfile as sf

    sf.write(str(path), samples, 16000, subtype="PCM_16")
    return path


def cli(*args: str, stdin: str = "", env_home: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "XDG_DATA_HOME": str(env_home / "data"), "XDG_CONFIG_HOME": str(env_home / "config"),
           "XDG_CACHE_HOME": str(env_home / "cache")}
    proc = subprocess.run([sys.executable, "-m", "voiceguide", *args], capture_output=True, text=True,
                          input=stdin, env=env, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


PER_PARTNER = 3 * len(EN.commands) + N_LOOKALIKES


def test_enroll_from_a_recording_then_show_and_forget(tmp_path: Path) -> None:
    rec = write(tmp_path / "takes.wav", np.concatenate([takes(PER_PARTNER + 1, first_quiet=True), takes(PER_PARTNER)]))
    ran = cli("enroll", "--text", "--lang", "en", "--wav", str(rec), "--partner-a", "Sam", "--partner-b", "Alex",
              env_home=tmp_path)
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[1] == "Sam, your turn." and "Alex, your turn." in lines
    assert "That was too quiet. Once more, please: next." in lines
    assert lines[-1] == "Done. I know your voices now."
    assert "Sam: 7 of 7 words, Alex: 7 of 7 words" in ran.stderr
    stored = tmp_path / "data" / "voiceguide" / "voices" / "en.npz"
    with np.load(stored, allow_pickle=False) as z:
        assert all(z[k].dtype == np.float32 and z[k].shape[1] == 12 for k in z.files if k != "meta")
    shown = cli("enroll", "--show", env_home=tmp_path)
    assert shown.returncode == 0
    assert [line.split()[:2] for line in shown.stdout.splitlines()] == [["en", "Sam"], ["en", "Alex"]]
    assert "enrolled 20" in shown.stdout
    gone = cli("enroll", "--forget", env_home=tmp_path)
    assert gone.returncode == 0 and not stored.exists()
    assert cli("enroll", "--show", env_home=tmp_path).stdout.strip() == "nobody is enrolled"


def test_keys_from_a_pipe_skip_a_word_and_stop_keeps_nothing(tmp_path: Path) -> None:
    rec = write(tmp_path / "takes.wav", takes(PER_PARTNER - 3))
    ran = cli("enroll", "--text", "--lang", "en", "--wav", str(rec), stdin="skip\n", env_home=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "Let's leave next out." in ran.stdout
    assert "Partner A: 6 of 7 words" in ran.stderr  # and the recording ends there: B is left out
    before = (tmp_path / "data" / "voiceguide" / "voices" / "en.npz").read_bytes()
    ran = cli("enroll", "--text", "--lang", "en", "--wav", str(rec), stdin="\n\n\n\nstop\n", env_home=tmp_path)
    assert ran.returncode == 0
    assert ran.stdout.splitlines()[-1] == "Stopped. Nothing new was kept."
    assert (tmp_path / "data" / "voiceguide" / "voices" / "en.npz").read_bytes() == before


def test_show_and_forget_go_alone(tmp_path: Path) -> None:
    ran = cli("enroll", "--show", "--forget", env_home=tmp_path)
    assert ran.returncode == 2


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (CI installs it)")
def test_a_language_with_no_model_hears_commands_through_the_enrolled_voices(tmp_path: Path) -> None:
    """English has no model here: once enrolled (espeak-ng voices standing in for the partners),
    `listen` takes English commands said on their own, and not the short replies between them."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import bench_enroll

    pytest.importorskip("soxr")
    if cli("model", "list", env_home=tmp_path).stdout.find("en   no model") < 0:
        pytest.skip("an English model is installed here: the spotter is not used")
    recording = np.concatenate([bench_enroll.enrollment_recording(EN, "en+m1", seed=1),
                                bench_enroll.enrollment_recording(EN, "en+f1", seed=2)])
    rec = write(tmp_path / "enroll.wav", recording)
    assert cli("enroll", "--text", "--lang", "en", "--wav", str(rec), env_home=tmp_path).returncode == 0
    items = [("command", "next", "next", "en+m1", 140, 45), ("reply", "yeah", None, "en+m1", 140, 45),
             ("command", "end session", "stop", "en+f1", 175, 55), ("reply", "well", None, "en+f1", 150, 50),
             ("command", "pause session", "pause", "en+m1", 175, 55),
             ("reply", "I think we should talk about this later today", None, "en+m1", 160, 50)]
    audio, events = bench_enroll.stream(items, 5)
    talk = write(tmp_path / "talk.wav", audio)
    ran = cli("listen", "--lang", "en", "--wav", str(talk), "--fast", "--json", env_home=tmp_path)
    assert ran.returncode == 0, ran.stderr
    import json

    heard = [json.loads(line) for line in ran.stdout.splitlines()]
    assert [(h["name"], h["opinion"]) for h in heard] == [("next", "voices"), ("stop", "voices"), ("pause", "voices")]
    for h, e in zip(heard, [e for e in events if e.kind == "command"]):
        assert e.end <= h["t"] <= e.end + 1.0


@pytest.mark.slow
def test_by_voice_the_guide_speaks_each_request_before_it_listens(tmp_path: Path, pulse) -> None:  # type: ignore[no-untyped-def]
    """Not --text: every line is spoken through the sound card (and waited for) before the take is
    heard; the speaker carries as many lines as --text prints."""
    import os

    rec = write(tmp_path / "takes.wav", takes(PER_PARTNER))
    env = {**os.environ, **pulse.env, "XDG_DATA_HOME": str(tmp_path / "data"), "VOICEGUIDE_RATE": "400",
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    recorder = pulse.record()
    try:
        proc = subprocess.run([sys.executable, "-m", "voiceguide", "enroll", "--lang", "en", "--wav", str(rec)],
                              capture_output=True, text=True, env=env, timeout=300)
        samples = recorder.samples()
    finally:
        recorder.stop()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # spoken, not printed
    assert "Partner A: 7 of 7 words" in proc.stderr
    loud = np.abs(samples) > 0.02
    assert loud.sum() > 16000 * 10  # the guide's lines: well over ten seconds of speech at this rate


@pytest.mark.slow
def test_from_the_microphone_a_word_said_three_times_is_enrolled(tmp_path: Path, pulse) -> None:  # type: ignore[no-untyped-def]
    """The live path: the takes come from the (virtual) microphone, said one after another with
    short pauses, right after the guide asks; the other words are skipped from the pipe."""
    import os
    import threading

    said = np.concatenate([quiet(0.3)] + [np.concatenate([word("다음", seconds=s, seed=k), quiet(0.6, seed=k)])
                                          for k, s in enumerate((0.45, 0.5, 0.42))])
    rec = write(tmp_path / "said.wav", said)
    env = {**os.environ, **pulse.env, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "voiceguide", "enroll", "--text", "--lang", "en"], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    # one line per word waited for: listen for "next" three times, then skip everything else
    proc.stdin.write("\n\n\n" + "skip\n" * (6 + N_LOOKALIKES + 7 + N_LOOKALIKES))
    proc.stdin.close()
    lines: list[str] = []

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line.rstrip("\n"))
            if line.startswith("Say next, three times."):
                pulse.play_into_mic(rec, wait=False)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    err = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0, err
    assert "Partner A: 1 of 7 words" in err, (lines, err)
    assert not any(line.startswith(("I heard only part", "That was too", "I did not hear")) for line in lines), lines
