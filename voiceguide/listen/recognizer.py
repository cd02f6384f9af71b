"""The speech recogniser behind a small interface, so the acceptance rules can be tested with a fake.

One long-lived Vosk recogniser per stream: a new one misses its first second (i-vector warm-up).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from voiceguide.errors import VoiceguideError


@dataclass(frozen=True)
class Word:
    text: str
    conf: float | None = None  # Vosk gives confidence only on final results
    start: float | None = None  # seconds from the start of the stream
    end: float | None = None


@dataclass(frozen=True)
class Hypothesis:
    """What the recogniser thinks the current utterance is. A final one closes the utterance."""

    text: str
    final: bool = False
    words: tuple[Word, ...] = field(default_factory=tuple)

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(self.text.split())


class Recognizer(Protocol):
    rate: int

    def feed(self, pcm: bytes) -> Hypothesis:
        """Take 16-bit mono PCM at `rate`; return the partial or (at an endpoint) final hypothesis."""

    def finish(self) -> Hypothesis:
        """The stream ended: the final hypothesis of whatever was still open."""

    # Optional: `set_phrases(phrases, distractors)`, a new vocabulary that ends the open utterance
    # (its words are dropped). The listener uses it when a recogniser has it.


class ModelProblem(VoiceguideError):
    """No usable model: missing, corrupt, or lacking a word the language pack needs."""


def load_model(path: Path) -> Any:
    """A vosk.Model, or ModelProblem with one clear line (Vosk itself raises a bare Exception)."""
    import vosk

    vosk.SetLogLevel(-1)
    if not (path / "am").is_dir() and not (path / "final.mdl").exists():
        raise ModelProblem(f"{path} is not a Vosk model folder (no 'am' folder in it)")
    # Vosk prints its own error lines for these; say it once, our way, before it gets there.
    missing = [name for name in ("am/final.mdl", "conf/model.conf") if not (path / name).is_file()]
    graph = path / "graph"
    if not ((graph / "HCLG.fst").is_file() or ((graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file())):
        missing.append("graph/HCLG.fst or graph/HCLr.fst + graph/Gr.fst")
    if missing:
        raise ModelProblem(f"the speech model in {path} is incomplete (missing {', '.join(missing)}); "
                           "it may be damaged")
    from voiceguide.listen import probe
    from voiceguide.listen.modelview import grammar_view

    for folder in dict.fromkeys([grammar_view(path), path]):  # the lean view first, if there is one
        if not probe.loads(folder):  # a damaged model kills the process that loads it: a child tries first
            continue
        try:
            return vosk.Model(str(folder))
        except Exception:  # noqa: BLE001, S112  (vosk raises a bare Exception for every failure)
            continue
    raise ModelProblem(f"the speech model in {path} could not be loaded; it may be damaged")


def unknown_words(model: Any, words: Iterable[str]) -> list[str]:
    """Words the model cannot recognise. Vosk silently drops them from a grammar, so we check."""
    return [w for w in words if model.vosk_model_find_word(w) < 0]


def _seed_dither() -> None:
    """Kaldi adds random dither to every frame of features, drawn from the C library's rand().
    Seeding it as a recogniser starts makes the same audio always give the same words, whatever
    the process decoded before (tests and benchmarks are reproducible; listening is unchanged)."""
    import ctypes

    try:
        ctypes.CDLL(None).srand(1)
    except (OSError, AttributeError):  # pragma: no cover - no C library to reach
        pass


class VoskRecognizer:
    """A Vosk KaldiRecognizer restricted to a grammar. Vosk resamples itself: give it the real rate."""

    def __init__(self, model: Any, rate: int, phrases: Sequence[str], distractors: Sequence[str] = ()) -> None:
        import vosk

        self._model = model
        self.rate = rate
        self.grammar = self._grammar(phrases, distractors)
        _seed_dither()
        # ensure_ascii=False: escaped Korean words are all "missing in vocabulary" to Vosk.
        self._rec = vosk.KaldiRecognizer(model, float(rate), json.dumps(self.grammar, ensure_ascii=False))
        # SetPartialWords is not used: with a grammar it empties the partial results (vosk 0.3.45).
        self._rec.SetWords(True)
        self._open = False  # audio fed since the last final result

    def _grammar(self, phrases: Sequence[str], distractors: Sequence[str]) -> list[str]:
        """Every word the recogniser may answer with; a word the model lacks is an error, never
        silently dropped (Vosk would only log it)."""
        model = self._model
        words: list[str] = []
        for phrase in [*phrases, *distractors]:
            for w in phrase.split():
                if w not in words:
                    words.append(w)
        missing = unknown_words(model, [w for p in phrases for w in p.split()])
        if missing:
            raise ModelProblem(f"the speech model does not know the command word(s) {', '.join(missing)}")
        missing = unknown_words(model, distractors)
        if missing:
            raise ModelProblem(f"the speech model does not know the distractor word(s) {', '.join(missing)}")
        if model.vosk_model_find_word("[unk]") >= 0:
            words.append("[unk]")
        return words

    def known(self, phrase: str) -> bool:
        """Whether every word of `phrase` is in the model's vocabulary."""
        return not unknown_words(self._model, phrase.split())

    def set_phrases(self, phrases: Sequence[str], distractors: Sequence[str] = ()) -> None:
        """A new grammar for the same long-lived recogniser (no warm-up lost). It ends the open
        utterance, and drops its words: Vosk takes a grammar only between utterances, and given one
        in the middle of an utterance it aborts the whole process (vosk 0.3.45, a fatal Kaldi error
        that Python cannot catch)."""
        grammar = self._grammar(phrases, distractors)
        if self._open:
            self.finish()
        self._rec.SetGrammar(json.dumps(grammar, ensure_ascii=False))
        self.grammar = grammar

    def feed(self, pcm: bytes) -> Hypothesis:
        if self._rec.AcceptWaveform(pcm):
            self._open = False
            return _final(json.loads(self._rec.Result()))
        self._open = True
        return Hypothesis(json.loads(self._rec.PartialResult()).get("partial", ""))

    def finish(self) -> Hypothesis:
        self._open = False
        return _final(json.loads(self._rec.FinalResult()))


def _final(data: dict[str, Any]) -> Hypothesis:
    words = tuple(
        Word(w["word"], float(w.get("conf", 0.0)), float(w.get("start", 0.0)), float(w.get("end", 0.0)))
        for w in data.get("result", [])
    )
    return Hypothesis(data.get("text", ""), final=True, words=words)
