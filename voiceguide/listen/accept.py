"""When heard words count as a command. Pure: no audio, no threads, no clock of its own.

A Vosk grammar maps *any* speech onto grammar words, often with high confidence, so the grammar
alone does not reject conversation. What does:

- the whole utterance must be exactly one command phrase (a command word inside longer speech never
  counts: the recogniser's utterance then holds other words too),
- with quiet before it and after it (measured here from the audio level, against a tracked noise floor),
- short, like a spoken command, and confident (per-word confidence of the final result).

Utterances are cut by the audio level, not by Vosk's endpointer (which here waits about a second and
often runs a command into the talk before it): as soon as the level has been quiet for `end_quiet_s`
after sound, the listener asks for the final result (`close`) —
that is "acting on the partial once the utterance is clearly over", with confidence and timings.
While the guide is sounding, an utterance whose partial result already is a pause or stop phrase
ends after a shorter quiet: those must silence the guide within 300 ms of the word. (With the guide
silent there is nothing to silence, and the usual quiet keeps words run into talk from counting.)

While the guide's own sound plays (and for `tail_s` after) only barge-in commands count, and only
when the guide cannot have produced them: the phrase is not in what the guide is saying, and the
utterance is clearly louder at the mic than the guide's own sound has been. When the mic hears the
guide (a speaker in the room), "sound" means sound clearly above the guide's level, so the quiet
around a word spoken over the guide is quiet over the guide, and the words the recogniser places in
the guide's sound around it are left out of the utterance.
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
    conf_min: float = 0.8  # every word of the command
    end_quiet_s: float = 0.25  # quiet after sound that ends an utterance (and must precede a command)
    quick: frozenset[str] = frozenset({"pause", "stop"})  # commands that must silence the guide at once
    quick_end_quiet_s: float = 0.1  # quiet that ends an utterance whose partial is one of them, while the guide sounds
    max_command_s: float = 1.5  # a spoken command is short
    edge_slack_s: float = 0.3  # sound this much before or after the words means they do not stand alone
    margin_db: float = 3.0  # this far above the noise floor counts as sound
    quiet_db: float = -50.0  # at or below this (dBFS) is always quiet
    floor_rise_db_s: float = 2.0  # how fast the noise floor estimate may climb
    idle_reset_s: float = 2.0  # in longer quiet, restart the recogniser's utterance (see `idle`)
    tail_s: float = 0.5  # the guide counts as sounding this long after its sound ends
    barge_in: frozenset[str] = frozenset({"pause", "stop"})
    barge_margin_db: float = 6.0  # a barge-in must be this much louder than the guide at the mic
    barge_conf_min: float = 0.9
    guide_heard_s: float = 0.5  # the guide must have been sounding this long to know how loud it is at the mic
    word_slack_s: float = 0.15  # over the guide, a word belongs to an utterance if its middle is this near it


@dataclass(frozen=True)
class Decision:
    accepted: bool
    name: str | None  # the command, when the words were a command phrase
    text: str  # what was heard
    reason: str  # why it was rejected ("" when accepted)
    t: float  # when decided, seconds from the start of the audio
    start: float | None = None  # the spoken words, seconds from the start of the audio
    end: float | None = None
    conf: float | None = None  # the lowest word confidence
    opinion: str = "recogniser"  # which opinion decided: recogniser, voices (enrolled), or both


class Acceptor:
    """Per audio block: `step(hypothesis, t_end, block_s, level_db)`; when `over(t)` says the
    utterance has ended, hand it the recogniser's final result with `close(final, t)`."""

    def __init__(
        self,
        commands: Mapping[str, Sequence[str]],
        config: AcceptConfig = AcceptConfig(),
        gate: Gate | None = None,
    ) -> None:
        self.config = config
        self.gate = gate
        self.set_commands(commands)
        self._floor: float | None = None
        self._loud_end: float | None = None  # end of the last loud block
        self._sound_end = 0.0  # end of the last block above the noise floor (the guide's too)
        self._utt_start: float | None = None  # first sound of the open utterance
        self._utt_pre_gap = float("inf")  # quiet before it
        self._utt_peak = -200.0
        self._utt_over_guide = False  # it began while the guide was heard at the mic
        self._closed_at = 0.0  # when the recogniser's last utterance was closed
        self._partial: tuple[str, ...] = ()  # the recogniser's partial result for the open utterance
        self._guide_levels: deque[tuple[float, float]] = deque(maxlen=400)  # (t, dBFS) of the guide at the mic
        self._guide_since: float | None = None  # when the guide's current sound began
        self._guide_texts: deque[str] = deque(maxlen=3)
        self.began = False  # the last block began an utterance: sound after quiet (see Talk)

    def set_commands(self, commands: Mapping[str, Sequence[str]]) -> None:
        """What can be said from now on: command name -> its phrases."""
        phrases: dict[tuple[str, ...], str] = {}
        for name, said in commands.items():
            for phrase in said:
                phrases[tuple(phrase.lower().split())] = name
        self._phrases = phrases
        self._command_words = {w for p in phrases for w in p}

    # ---- audio level ----------------------------------------------------------------------------

    def _track(self, t_end: float, block_s: float, level_db: float) -> None:
        c = self.config
        self.began = False
        if self._floor is None or level_db < self._floor:
            self._floor = level_db
        else:
            self._floor += c.floor_rise_db_s * block_s
        above_floor = level_db > max(self._floor + c.margin_db, c.quiet_db)
        guide = self._guide_now(t_end, block_s)
        loud = above_floor and (guide is None or level_db > guide + c.barge_margin_db)
        if above_floor:
            self._sound_end = t_end
        if self._guide_since is not None and (not loud or t_end - self._guide_since <= c.guide_heard_s):
            # the guide's own sound at the mic: all of its first moments, then what is not clearly
            # louder than it (that is somebody talking over it). Its quiet blocks too: with its
            # echo cancelled, the guide is mostly near the floor, and counting only what stands
            # above the floor would make its rare leaks (and the mic's first, uncancelled second)
            # its level, and a word said over it never clearly louder.
            self._guide_levels.append((t_end, level_db))
        if not loud:
            return
        start = t_end - block_s
        if self._utt_start is None:
            self.began = True
            self._utt_start = start
            self._utt_pre_gap = float("inf") if self._loud_end is None else start - self._loud_end
            self._utt_peak = level_db
            self._utt_over_guide = guide is not None
        else:
            self._utt_peak = max(self._utt_peak, level_db)
        self._loud_end = t_end

    def _guide_now(self, t_end: float, block_s: float) -> float | None:
        """How loud the guide is at the mic while it sounds, once it has sounded long enough to
        tell (None otherwise). While it is heard, only sound clearly above it counts as sound:
        quiet before and after a word is then quiet *over the guide* (speaker heard by the mic)."""
        if self.gate is None:
            return None
        text = self.gate.text
        if text and (not self._guide_texts or self._guide_texts[-1] != text):
            self._guide_texts.append(text)
        if not self.gate.busy(0.0):
            self._guide_since = None
            return None
        if self._guide_since is None:
            self._guide_since = t_end - block_s
        if t_end - self._guide_since < self.config.guide_heard_s:
            return None
        return self._guide_level(t_end)

    def _guide_level(self, before: float) -> float | None:
        """How loud the guide is at the mic, from what was heard before `before` (the start of the
        utterance being judged: the utterance's own sound must not count as the guide's): near
        the floor when the mic does not hear it, or hears it cancelled. None before it has sounded."""
        levels = sorted(level for t, level in self._guide_levels if t <= before)
        if not levels:
            return None
        return levels[int(0.95 * (len(levels) - 1))]

    # ---- decisions ------------------------------------------------------------------------------

    def step(self, hyp: Hypothesis, t_end: float, block_s: float, level_db: float) -> list[Decision]:
        self._track(t_end, block_s, level_db)
        if hyp.final:
            return self.close(hyp, t_end)
        self._partial = hyp.tokens
        return []

    def over(self, t: float) -> bool:
        """The open utterance has clearly ended: ask the recogniser for its final result now."""
        if self._utt_start is None or self._loud_end is None:
            return False
        c = self.config
        quick = (self._phrases.get(self._partial) in c.quick
                 and self.gate is not None and self.gate.busy(c.tail_s))
        return t - self._loud_end >= (c.quick_end_quiet_s if quick else c.end_quiet_s) - 1e-9

    def idle(self, t: float) -> bool:
        """No utterance open, and quiet for a while: restart the recogniser's utterance now (hand
        its final to `close`). Vosk ends an utterance by itself after 5 s of silence (endpoint rule
        1), or 0.5 s after speech it heard (rule 2): when someone starts speaking just then, it cuts
        their first word in two. Restarting it in every quiet stretch, and once the guide's own
        sound at the mic (not an utterance) has stopped for `end_quiet_s`, keeps that from ever
        lining up with speech."""
        if self._utt_start is not None:
            return False
        c = self.config
        if self._sound_end > self._closed_at and t - self._sound_end >= c.end_quiet_s - 1e-9:
            return True
        quiet_since = max(self._closed_at, self._loud_end if self._loud_end is not None else 0.0)
        return t - quiet_since >= c.idle_reset_s

    def close(self, hyp: Hypothesis, t: float) -> list[Decision]:
        """The recogniser's final result for the utterance that just ended."""
        start_sound, pre_gap, peak = self._utt_start, self._utt_pre_gap, self._utt_peak
        over_guide = self._utt_over_guide
        self._utt_start = None
        self._partial = ()
        self._closed_at = t
        if over_guide and start_sound is not None and self._loud_end is not None:
            hyp = self._louder_part(hyp, start_sound, self._loud_end)
        if not hyp.text:
            return []
        c = self.config
        name = self._phrases.get(hyp.tokens)
        start = hyp.words[0].start if hyp.words else start_sound
        end = hyp.words[-1].end if hyp.words else self._loud_end
        confs = [w.conf for w in hyp.words if w.conf is not None]
        conf = min(confs) if confs else None
        if name is None:
            if self._command_words.intersection(hyp.tokens):
                return [Decision(False, None, hyp.text, "inside longer speech", t, start, end, conf)]
            return []
        reason = ""
        if start_sound is None:  # words, but no sound above the floor (or the guide) all along
            reason = "not clearly louder than the guide" if self._guide_since is not None else "too quiet"
        elif conf is not None and conf < c.conf_min:
            reason = f"low confidence {conf:.2f} < {c.conf_min:.2f}"
        elif pre_gap < c.end_quiet_s:
            reason = f"no quiet before it ({pre_gap:.2f} s)"
        elif start is not None and start_sound is not None and start - start_sound > c.edge_slack_s:
            reason = f"no quiet before it (sound from {start_sound:.2f} s, words from {start:.2f} s)"
        elif end is not None and self._loud_end is not None and self._loud_end - end > c.edge_slack_s:
            reason = "no quiet after it"
        elif start_sound is not None and self._loud_end is not None and self._loud_end - start_sound > c.max_command_s:
            reason = f"too long for a command ({self._loud_end - start_sound:.1f} s)"
        else:
            reason = self._gated(name, hyp.text, t, start if start is not None else t, conf, peak,
                                 start_sound if start_sound is not None else t)
        return [Decision(not reason, name, hyp.text, reason, t, start, end, conf)]

    def _louder_part(self, hyp: Hypothesis, start_sound: float, loud_end: float) -> Hypothesis:
        """With the guide heard at the mic, an utterance is the sound clearly above it; the words the
        recogniser placed outside that sound are the guide's own (its voice through the mic)."""
        slack = self.config.word_slack_s
        words = tuple(w for w in hyp.words if w.start is not None and w.end is not None
                      and start_sound - slack <= (w.start + w.end) / 2 <= loud_end + slack)
        return Hypothesis(" ".join(w.text for w in words), final=True, words=words)

    def _gated(self, name: str, text: str, t: float, start: float, conf: float | None, peak: float,
               start_sound: float) -> str:
        """Why the guide's own sound rules this out ("" if it does not)."""
        c = self.config
        if self.gate is None or not self.gate.busy(c.tail_s + max(0.0, t - start)):
            return ""
        if name not in c.barge_in:
            return "the guide is speaking"
        said = text.lower()
        if any(said in spoken.lower() for spoken in self._guide_texts):
            return "the guide's own words contain it"
        if self._guide_since is not None and start_sound - self._guide_since < c.guide_heard_s:
            # How loud the guide is at the mic (if the mic hears it at all: headphones, a quiet
            # speaker, a mic close to the couple) shows only once it has sounded a while; right
            # at its start, its first syllables could be this very utterance.
            return "the guide has only just started"
        guide = self._guide_level(start_sound)
        if guide is not None and peak < guide + c.barge_margin_db:
            return "not clearly louder than the guide"
        if conf is not None and conf < c.barge_conf_min:
            return f"low confidence for a barge-in {conf:.2f} < {c.barge_conf_min:.2f}"
        return ""
