"""The enrolled partners' templates, and the judgement they give on an utterance.

Each partner has, per command, a few takes (features, never audio) and a threshold. The threshold
is learned from that partner's own takes: it sits between how far the takes of the command are from
each other (leave one out) and how near the look-alike words (and the other commands) come to them.
Where the two overlap, it keeps every take of the command: a veto must cost as little recall as it
can, and the look-alikes above it are still turned away."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from voiceguide.enroll.features import distance


@dataclass
class Partner:
    """One enrolled partner: `takes[command]` are feature arrays, `phrases[command]` what was said."""

    name: str
    enrolled: str  # ISO date and time
    takes: dict[str, list[Any]] = field(default_factory=dict)
    phrases: dict[str, str] = field(default_factory=dict)
    negatives: list[Any] = field(default_factory=list)  # look-alike words, features only
    thresholds: dict[str, float] = field(default_factory=dict)

    def learn(self) -> None:
        """Thresholds from the takes and the negatives (see the module's docstring)."""
        self.thresholds = {}
        for name, takes in self.takes.items():
            own = [min((distance(t, o) for j, o in enumerate(takes) if j != i), default=math.inf)
                   for i, t in enumerate(takes)]
            others = [*self.negatives, *(t for n, ts in self.takes.items() if n != name for t in ts)]
            near = [min(distance(x, t) for t in takes) for x in others]
            pos = max((d for d in own if math.isfinite(d)), default=math.nan)
            neg = min((d for d in near if math.isfinite(d)), default=math.inf)
            if math.isnan(pos):  # one take only: half way to the nearest look-alike
                threshold = neg / 2 if math.isfinite(neg) else 0.0
            elif neg > pos:
                threshold = (pos + neg) / 2 if math.isfinite(neg) else pos * 1.5
            else:
                threshold = pos
            self.thresholds[name] = float(threshold)


@dataclass(frozen=True)
class Opinion:
    """What the templates say about an utterance: the nearest command, how near, and whose."""

    name: str | None  # the nearest command within its threshold (None: nothing close enough)
    distance: float  # to the command asked about (judge) or the nearest (spot)
    threshold: float
    partner: str | None
    nearest: str | None = None  # the nearest command, within its threshold or not

    @property
    def ratio(self) -> float:
        return self.distance / self.threshold if self.threshold > 0 else math.inf


# Every learned threshold is widened by this much when judging. A person says a word a little
# differently each day; enrollment hears one sitting. Measured (scripts/bench_listen.py --enroll):
# with templates from one voice variant and speech from a sibling variant, 1.0 kept 18 of 32
# sibling commands the recogniser took, 1.25 kept 26, 1.5 all 32; replies taken as commands went
# 14 -> 1, 3 and 4 in 100.
SLACK = 1.5


class Voices:
    """Every enrolled partner of one language; `slack` scales every threshold (1 = as learned)."""

    def __init__(self, partners: Sequence[Partner], slack: float = SLACK) -> None:
        self.partners = list(partners)
        self.slack = slack

    def commands(self) -> set[str]:
        return {name for p in self.partners for name in p.takes}

    def phrase(self, name: str) -> str | None:
        return next((p.phrases[name] for p in self.partners if name in p.phrases), None)

    def _nearest(self, feats: Any, names: Iterable[str]) -> Opinion:
        best = Opinion(None, math.inf, 0.0, None)
        for partner in self.partners:
            for name in names:
                takes = partner.takes.get(name)
                if not takes:
                    continue
                d = min(distance(feats, t) for t in takes)
                threshold = partner.thresholds.get(name, 0.0) * self.slack
                candidate = Opinion(name if d <= threshold else None, d, threshold, partner.name, name)
                if best.threshold <= 0 or candidate.ratio < best.ratio:
                    best = candidate
        return best

    def judge(self, feats: Any, name: str) -> Opinion | None:
        """Does an enrolled partner's `name` match this utterance? None: nobody enrolled `name`
        (the templates have no opinion then, and the recogniser's stands)."""
        if not any(name in p.takes for p in self.partners):
            return None
        return self._nearest(feats, [name])

    def spot(self, feats: Any, names: Iterable[str]) -> Opinion:
        """The command among `names` this utterance is nearest to, relative to each threshold."""
        return self._nearest(feats, list(names))
