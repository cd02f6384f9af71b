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


def model_path(pack: LanguagePack, explicit: str | None) -> Path | None:
    """The model folder for the pack's language, or ModelProblem saying how to get one. None: no
    model, but the couple enrolled their voices for this language (they are the spotter then)."""
    from voiceguide import models

    found = models.find(pack.code, explicit)
    if found is None:
        if explicit is None and _enrolled(pack) is not None:
            return None
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
    model: Path | None,
    gate: Gate | None = None,
    config: AcceptConfig = AcceptConfig(),
    veto: str | None = None,
    voices: Any = None,
    **hooks: Any,
) -> Listener:
    """With `model` None, the enrolled voices are the spotter; with a model, they can veto its
    commands (`veto`: the enrolled-veto setting). `voices`: these instead of the user's enrolled ones."""
    from voiceguide.enroll import use

    acceptor = Acceptor(pack.commands, config, gate)
    if model is None:
        voices = voices if voices is not None else _enrolled(pack)
        if voices is None:
            raise ModelProblem(f"no speech model for {pack.name} ({pack.code}), and no enrolled voices")
        return Listener(source, use.spotter_factory(pack, voices, config.conf_min), acceptor, on_decision,
                        second_opinion=use.Spotted(), **hooks)
    if "second_opinion" not in hooks:
        hooks["second_opinion"] = use.second_opinion(pack, veto, voices)
    return Listener(source, recognizer_factory(pack, model), acceptor, on_decision, **hooks)


def _enrolled(pack: LanguagePack) -> Any:
    from voiceguide.enroll.use import enrolled

    return enrolled(pack.code)
