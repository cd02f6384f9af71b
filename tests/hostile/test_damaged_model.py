"""A damaged speech model must not kill voiceguide: a truncated graph/HCLr.fst segfaults Vosk, an
empty conf/model.conf aborts it. The damaged models here are copies of the real Korean one (links
to its files, the damaged file written anew), so the crash is the real one."""

from __future__ import annotations

import os
import subprocess
import time
import wave
from pathlib import Path

import pytest

from tests.hostile.conftest import run_cli
from voiceguide.listen import probe

CASES = ["truncated graph/HCLr.fst", "empty conf/model.conf"]


def korean_model() -> Path:
    pytest.importorskip("vosk")
    from tests.listen_real import korean_model as found

    return found()


def linked_copy(model: Path, into: Path) -> Path:
    """`into` made of links to every file of `model` (folders made anew, so a file can be replaced)."""
    for dirpath, _dirnames, filenames in os.walk(model):
        rel = Path(dirpath).relative_to(model)
        (into / rel).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            (into / rel / name).symlink_to(Path(dirpath) / name)
    return into


def damaged(tmp_path: Path, case: str) -> Path:
    model = korean_model()
    copy = linked_copy(model, tmp_path / "damaged-model")
    name = case.split()[-1]
    (copy / name).unlink()
    if case.startswith("truncated"):
        with open(model / name, "rb") as f:
            (copy / name).write_bytes(f.read(1 << 20))
    else:
        (copy / name).write_bytes(b"")
    return copy


def silence_wav(path: Path, seconds: float = 1.5) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes(int(16000 * seconds) * 2))
    return path


@pytest.mark.parametrize("case", CASES)
def test_listening_with_a_damaged_model_is_the_clear_message(case: str, tmp_path: Path) -> None:
    model = damaged(tmp_path, case)
    ran = run_cli("listen", "--wav", str(silence_wav(tmp_path / "quiet.wav")), "--fast", "--lang", "ko",
                  "--model", str(model), env={"VOICEGUIDE_MODEL_CACHE": str(tmp_path / "views")}, timeout=120)
    assert ran.returncode == 1, ran.stderr
    assert ran.stderr == f"voiceguide: the speech model in {model} could not be loaded; it may be damaged\n"


@pytest.mark.parametrize("case", CASES)
def test_a_session_with_a_damaged_model_goes_on_with_the_keys(case: str, tmp_path: Path, pulse) -> None:  # type: ignore[no-untyped-def]
    """With a microphone there (the virtual sound card), the model is what fails: the guide says
    voice commands are off, once, and the session runs to its end on the keys."""
    model = damaged(tmp_path, case)
    ran = run_cli("play", "ko-presence", "--text", "--listen", "--model", str(model), "--time-scale", "100",
                  input="next\n" * 40, env={**pulse.env, "VOICEGUIDE_MODEL_CACHE": str(tmp_path / "views")},
                  timeout=180)
    assert ran.returncode == 0, ran.stderr
    assert f"the speech model in {model} could not be loaded; it may be damaged" in ran.stderr
    assert ran.stderr.count("could not be loaded") == 1
    assert ran.stderr.rstrip().endswith("session completed"), ran.stderr[-500:]


def test_a_proof_is_made_once_and_again_when_the_model_changes(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    model = linked_copy(korean_model(), tmp_path / "model")
    probes: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        probes.append(args)
        return real_run(args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(subprocess, "run", counting_run)
    assert probe.loads(model, tmp_path / "views")
    assert len(probes) == 1 and probes[0][1:3] == ["-m", "voiceguide.listen.probe"]
    started = time.monotonic()
    assert probe.loads(model, tmp_path / "views")
    assert len(probes) == 1 and time.monotonic() - started < 0.5  # remembered: no child, no load

    conf = model / "conf" / "model.conf"
    text = conf.read_bytes()
    conf.unlink()
    conf.write_bytes(text)  # the same settings, but a changed file: proven again
    assert probe.loads(model, tmp_path / "views")
    assert len(probes) == 2

    conf.write_bytes(b"")  # now damaged: never taken for the proof of before
    assert not probe.loads(model, tmp_path / "views")
    assert len(probes) == 3
    assert len(list((tmp_path / "views" / "proofs").iterdir())) == 2


def test_a_model_holding_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    model = linked_copy(korean_model(), tmp_path / "model")
    (model / "ivector" / "final.ie").unlink()
    os.mkfifo(model / "ivector" / "final.ie")  # Vosk would wait on it for ever
    ran = run_cli("listen", "--wav", str(silence_wav(tmp_path / "quiet.wav")), "--fast", "--lang", "ko",
                  "--model", str(model), env={"VOICEGUIDE_MODEL_CACHE": str(tmp_path / "views")}, timeout=60)
    assert ran.returncode == 1, ran.stderr
    assert ran.stderr == f"voiceguide: the speech model in {model} could not be loaded; it may be damaged\n"
