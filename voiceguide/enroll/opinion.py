"""The enrolled voices in the listener: a second opinion on the recogniser's commands (the veto),
or, for a language with no speech model, the only spotter.

Features are computed only for an utterance the acceptance rules have already taken as a command
(veto) or that is short and stands out of the quiet (spotter): a listener in a quiet room or during
long talk computes none."""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from voiceguide.enroll.features import features
from voiceguide.enroll.voices import Voices
from voiceguide.listen.accept import Decision
from voiceguide.listen.recognizer import Hypothesis, Word

# Off by default, by measurement (scripts/bench_listen.py --enroll; README, "Teaching the guide your
# voices"): the veto may be on by default only if recall in a sibling voice (templates from one
# voice variant, speech from another, standing in for a person's day-to-day variation) stays within
# 2 points of recall without it. At the learned thresholds it fell from 67 % to 38 %; with them
# widened by voices.SLACK it held on the voices that value was chosen on and fell 2.1 points on
# two other pairs, while short replies taken as commands fell from about 10 in 100 to 0-2.
VETO_DEFAULT = False
KEEP_S = 4.0  # audio kept for a second opinion: a command is at most 1.5 s, with the quiet around it
SPOT_SLACK = 1.0
PAD_S = 0.35  # taken either side of the recogniser's words (approximate); the quiet is trimmed off


class Recent:
    """The last KEEP_S of audio blocks as the recogniser got them, to cut an utterance from."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._blocks: deque[tuple[float, bytes]] = deque()  # (end time, block)

    def add(self, t_end: float, pcm: bytes) -> None:
        self._blocks.append((t_end, pcm))
        while self._blocks and t_end - self._blocks[0][0] > KEEP_S:
            self._blocks.popleft()

    def cut(self, start: float, end: float) -> Any:
        import numpy as np

        parts = []
        for t_end, pcm in self._blocks:
            n = len(pcm) // 2
            t0 = t_end - n / self.rate
            if t_end <= start or t0 >= end:
                continue
            a = max(0, int(round((start - t0) * self.rate)))
            b = min(n, int(round((end - t0) * self.rate)))
            parts.append(np.frombuffer(pcm, dtype=np.int16)[a:b])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)


class Veto:
    """A command the recogniser accepted counts only if no enrolled partner's templates contradict
    it: when partners enrolled that command (with the phrase the pack still uses for it), one of
    them must match within its threshold. Otherwise the recogniser's opinion stands alone."""

    def __init__(self, voices: Voices, commands: Mapping[str, Sequence[str]]) -> None:
        self.voices = voices
        self.commands = commands

    def review(self, decision: Decision, recent: Recent) -> Decision:
        if not decision.accepted or decision.name is None:
            return decision
        name = decision.name
        said = " ".join(decision.text.split())
        enrolled = [p for p in self.voices.partners if name in p.takes and p.phrases.get(name) == said
                    and said in self.commands.get(name, ())]
        if not enrolled:
            return decision
        start = decision.start if decision.start is not None else decision.t - 1.5
        end = decision.end if decision.end is not None else decision.t
        feats = features(recent.cut(start - PAD_S, end + PAD_S), recent.rate)
        opinion = Voices(enrolled, self.voices.slack).judge(feats, name)
        if opinion is None:
            return decision
        if opinion.name == name:
            return dataclasses.replace(decision, opinion="recogniser+voices")
        d = "no match" if not math.isfinite(opinion.distance) else f"distance {opinion.distance:.1f} > {opinion.threshold:.1f}"
        return dataclasses.replace(decision, accepted=False, opinion="voices",
                                   reason=f"the enrolled voices do not say {name} ({d})")


class TemplateSpotter:
    """A recogniser made of the enrolled templates, for a language with no speech model.

    It has the recogniser's interface, so the acceptance rules are the same as with a model: the
    utterance must be one command with quiet around it, short, and confident; confidence here is
    how far inside its threshold the nearest template lies (at the threshold: the rules' minimum,
    0.8). It answers with the command's phrase, or with nothing."""

    opinion = "voices"
    MAX_SPEECH_S = 2.0  # longer sound is talk: no features computed for it

    def __init__(self, voices: Voices, commands: Mapping[str, Sequence[str]], rate: int,
                 conf_min: float = 0.8) -> None:
        # The learned thresholds as they are, without the veto's slack: alone, the templates must
        # turn talk away themselves (measured: with the veto's 1.5, half the replies were taken).
        self.voices = Voices(voices.partners, SPOT_SLACK)
        self.commands = commands
        self.rate = rate
        self.conf_min = conf_min
        self._active = [n for n in commands if n in voices.commands()]
        self._buffer: deque[tuple[float, bytes, float]] = deque()  # (end time, block, level)
        self._samples = 0
        self._floor: float | None = None
        self.computed = 0  # utterances whose features were computed (for tests and the benchmark)

    def known(self, phrase: str) -> bool:
        return False  # menu titles: the templates know only the commands

    def set_phrases(self, phrases: Sequence[str], distractors: Sequence[str] = ()) -> None:
        said = set(phrases)
        self._active = [n for n, ps in self.commands.items() if n in self.voices.commands() and said.intersection(ps)]
        self._buffer.clear()

    def feed(self, pcm: bytes) -> Hypothesis:
        from voiceguide.listen.listener import level_db

        n = len(pcm) // 2
        self._samples += n
        t_end = self._samples / self.rate
        level = level_db(pcm)
        self._floor = level if self._floor is None else min(level, self._floor + 2.0 * n / self.rate)
        self._buffer.append((t_end, pcm, level))
        while self._buffer and t_end - self._buffer[0][0] > KEEP_S:
            self._buffer.popleft()
        return Hypothesis("")

    def finish(self) -> Hypothesis:
        blocks, self._buffer = list(self._buffer), deque()
        if not blocks or not self._active or self._floor is None:
            return Hypothesis("", final=True)
        floor = max(self._floor, -100.0)
        loud = [(t, len(pcm) / 2 / self.rate) for t, pcm, level in blocks if level > max(floor + 6.0, -50.0)]
        if not loud:
            return Hypothesis("", final=True)
        start, end = loud[0][0] - loud[0][1], loud[-1][0]
        if end - start > self.MAX_SPEECH_S or start <= blocks[0][0] - len(blocks[0][1]) / 2 / self.rate:
            return Hypothesis("", final=True)  # talk, or sound that began before what is kept
        recent = Recent(self.rate)
        for t, pcm, _ in blocks:
            recent.add(t, pcm)
        self.computed += 1
        feats = features(recent.cut(start - 0.1, end + 0.1), self.rate)
        opinion = self.voices.spot(feats, self._active)
        if opinion.partner is None or not math.isfinite(opinion.ratio):
            return Hypothesis("", final=True)
        name = opinion.nearest or self._active[0]
        phrase = self.commands[name][0]
        conf = max(0.0, min(1.0, 1.0 - (1.0 - self.conf_min) * opinion.ratio))
        words = tuple(Word(w, conf, start, end) for w in phrase.split())
        return Hypothesis(phrase, final=True, words=words)
