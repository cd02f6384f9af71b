"""When heard words count as a command. Pure: no audio, no threads, no clock of its own.

A Vosk grammar maps *any* speech onto grammar words, often with high confidence, so the grammar
alone does not reject conversation. What does:

- the whole utterance must be exactly one command phrase (a command word inside longer speech never
  counts: the recogniser's utterance then holds other words too),
- with quiet before it and after it (measured here from the audio level, against a tracked noise floor),
- short, like a spoken command, and — on final results, which carry it — confident.

For low latency a command is taken from the *partial* result as soon as the level has been quiet for
`post_quiet_s` after it, instead of waiting for Vosk's endpoint (about a second here).

While the guide's own sound plays (and for `tail_s` after) only barge-in commands count, and only
when the guide cannot have produced them: the phrase is not in what the guide is saying, and the
utterance is clearly louder at the mic than the guide's own sound has been.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from voiceguide.listen.recognizer import Hypothesis


class Gate(Protocol):
    """What the guide is sounding (voiceguide.playstate.PlayState)."""

    def busy(self, tail_s: float = 0.0) -> bool: ...

    @property
    def text(self) -> str | None: ...


@dataclass(frozen=True)
class AcceptConfig:
    conf_min: float = 0.8  # per word, on final results
    post_quiet_s: float = 0.2  # quiet after the command before acting on a partial result
    pre_quiet_s: float = 0.3  # quiet before the utterance; also what separates utterances
    max_command_s: float = 1.5  # a spoken command is short
    margin_db: float = 6.0  # this far above the noise floor counts as sound
    quiet_db: float = -50.0  # at or below this (dBFS) is always quiet
    floor_rise_db_s: float = 2.0  # how fast the noise floor estimate may climb
    tail_s: float = 0.5  # the guide counts as sounding this long after its sound ends
    barge_in: frozenset[str] = frozenset({"pause", "stop"})
    barge_margin_db: float = 6.0  # a barge-in must be this much louder than the guide at the mic
    barge_conf_min: float = 0.9
    use_finals: bool = True  # also accept from final results when the partial path did not fire


@dataclass(frozen=True)
class Decision:
    accepted: bool
    name: str | None  # the command, when the words were a command phrase
    text: str  # what was heard
    reason: str  # why it was rejected ("" when accepted)
    t: float  # when decided, seconds from the start of the audio
    start: float | None = None  # the spoken command, seconds from the start of the audio
    end: float | None = None
    conf: float | None = None
    via: str = "partial"  # "partial" or "final"


class Acceptor:
    """Feed it every block: `step(hypothesis, t_end, block_s, level_db)` -> decisions."""

    def __init__(
        self,
        commands: Mapping[str, Sequence[str]],
        config: AcceptConfig = AcceptConfig(),
        gate: Gate | None = None,
    ) -> None:
        self.config = config
        self.gate = gate
        self._phrases: dict[tuple[str, ...], str] = {}
        for name, phrases in commands.items():
            for phrase in phrases:
                self._phrases[tuple(phrase.lower().split())] = name
        self._command_words = {w for p in self._phrases for w in p}
        self._floor: float | None = None
        self._loud_end: float | None = None  # end of the last loud block
        self._seg_start = 0.0  # start of the current run of sound
        self._pre_gap = float("inf")  # quiet before it
        self._seg_peak = -200.0
        self._fired = False  # this recogniser utterance already gave a command
        self._noted: set[tuple[str, str]] = set()  # partial-path rejections already reported
        self._guide_levels: deque[float] = deque(maxlen=400)
        self._guide_texts: deque[str] = deque(maxlen=3)

    # ---- audio level ----------------------------------------------------------------------------

    def _track(self, t_end: float, block_s: float, level_db: float) -> None:
        c = self.config
        if self._floor is None or level_db < self._floor:
            self._floor = level_db
        else:
            self._floor += c.floor_rise_db_s * block_s
        loud = level_db > max(self._floor + c.margin_db, c.quiet_db)
        if not loud:
            return
        start = t_end - block_s
        if self._loud_end is None or start - self._loud_end >= c.pre_quiet_s:
            self._pre_gap = float("inf") if self._loud_end is None else start - self._loud_end
            self._seg_start = start
            self._seg_peak = level_db
        else:
            self._seg_peak = max(self._seg_peak, level_db)
        self._loud_end = t_end

    def _watch_guide(self, level_db: float) -> None:
        if self.gate is None:
            return
        text = self.gate.text
        if text and (not self._guide_texts or self._guide_texts[-1] != text):
            self._guide_texts.append(text)
        if self.gate.busy(0.0) and self._floor is not None and level_db > self._floor + self.config.margin_db:
            self._guide_levels.append(level_db)

    def _guide_level(self) -> float | None:
        if not self._guide_levels:
            return None
        levels = sorted(self._guide_levels)
        return levels[int(0.95 * (len(levels) - 1))]

    # ---- decisions ------------------------------------------------------------------------------

    def step(self, hyp: Hypothesis, t_end: float, block_s: float, level_db: float) -> list[Decision]:
        self._track(t_end, block_s, level_db)
        self._watch_guide(level_db)
        if hyp.final:
            fired, self._fired = self._fired, False
            self._noted.clear()
            if fired or not hyp.text:
                return []
            return self._final(hyp, t_end)
        if self._fired or not hyp.text:
            return []
        return self._partial(hyp, t_end)

    def _partial(self, hyp: Hypothesis, t: float) -> list[Decision]:
        c = self.config
        name = self._phrases.get(hyp.tokens)
        if name is None or self._loud_end is None:
            return []
        if t - self._loud_end < c.post_quiet_s - 1e-9:
            return []  # not over yet
        start, end = self._seg_start, self._loud_end
        reason = ""
        if self._pre_gap < c.pre_quiet_s:
            reason = "no quiet before it"
        elif end - start > c.max_command_s:
            reason = f"too long for a command ({end - start:.1f} s)"
        else:
            reason = self._gated(name, hyp.text, t, start, None)
        if reason:
            if (hyp.text, reason) in self._noted:
                return []
            self._noted.add((hyp.text, reason))
            return [Decision(False, name, hyp.text, reason, t, start, end)]
        self._fired = True
        return [Decision(True, name, hyp.text, "", t, start, end)]

    def _final(self, hyp: Hypothesis, t: float) -> list[Decision]:
        c = self.config
        name = self._phrases.get(hyp.tokens)
        start = hyp.words[0].start if hyp.words else None
        end = hyp.words[-1].end if hyp.words else None
        confs = [w.conf for w in hyp.words if w.conf is not None]
        conf = min(confs) if confs else None
        if name is None:
            if self._command_words.intersection(hyp.tokens):
                return [Decision(False, None, hyp.text, "inside longer speech", t, start, end, conf, "final")]
            return []
        if not c.use_finals:
            return [Decision(False, name, hyp.text, "missed by the partial path", t, start, end, conf, "final")]
        reason = ""
        if conf is not None and conf < c.conf_min:
            reason = f"low confidence {conf:.2f} < {c.conf_min:.2f}"
        elif start is not None and end is not None and end - start > c.max_command_s:
            reason = f"too long for a command ({end - start:.1f} s)"
        else:
            reason = self._gated(name, hyp.text, t, start if start is not None else t, conf)
        return [Decision(not reason, name, hyp.text, reason, t, start, end, conf, "final")]

    def _gated(self, name: str, text: str, t: float, start: float, conf: float | None) -> str:
        """Why the guide's own sound rules this out ("" if it does not)."""
        c = self.config
        if self.gate is None or not self.gate.busy(c.tail_s + max(0.0, t - start)):
            return ""
        if name not in c.barge_in:
            return "the guide is speaking"
        said = text.lower()
        if any(said in spoken.lower() for spoken in self._guide_texts):
            return "the guide's own words contain it"
        guide = self._guide_level()
        if guide is None or self._seg_peak < guide + c.barge_margin_db:
            return "not clearly louder than the guide"
        if conf is not None and conf < c.barge_conf_min:
            return f"low confidence for a barge-in {conf:.2f} < {c.barge_conf_min:.2f}"
        return ""
