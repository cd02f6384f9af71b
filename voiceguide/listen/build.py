"""Putting a listener together for a language pack: find and load the model, make the recogniser."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from voiceguide.lang import LanguagePack
from voiceguide.listen.accept import AcceptConfig, Acceptor, Decision, Gate
from voiceguide.listen.listener import Listener
from voiceguide.listen.recognizer import ModelProblem, Recognizer, VoskRecognizer, load_model
from voiceguide.listen.source import AudioSource

_models: dict[Path, Any] = {}
_lock = threading.Lock()


def model_path(pack: LanguagePack, explicit: str | None) -> Path:
    """The model folder for the pack's language, or ModelProblem saying how to get one."""
    from voiceguide import models

    found = models.find(pack.code, explicit)
    if found is None:
        raise ModelProblem(f"no speech model for {pack.name} ({pack.code}). {models.how_to_get(pack.code)}")
    return found.path


def cached_model(path: Path) -> Any:
    """Models are big (seconds to load, hundreds of MB): load each once per process."""
    key = path.resolve()
    with _lock:
        if key not in _models:
            _models[key] = load_model(key)
        return _models[key]


def recognizer_factory(pack: LanguagePack, path: Path) -> Callable[[int], Recognizer]:
    def make(rate: int) -> Recognizer:
        return VoskRecognizer(cached_model(path), rate, pack.phrases(), pack.distractors)

    return make


def make_listener(
    pack: LanguagePack,
    source: AudioSource,
    on_decision: Callable[[Decision], None],
    *,
    model: Path,
    gate: Gate | None = None,
    config: AcceptConfig = AcceptConfig(),
    **hooks: Any,
) -> Listener:
    acceptor = Acceptor(pack.commands, config, gate)
    return Listener(source, recognizer_factory(pack, model), acceptor, on_decision, **hooks)
