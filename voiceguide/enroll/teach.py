"""The enrollment conversation: each partner in turn says each command word three times and a few
look-alike words once; bad takes are named and asked for again. Pure of I/O: it is handed a way to
speak (`say`) and a way to hear one take (`hear`), so the same flow runs by voice, with --text, on a
recording, and in tests.

Keys steer it: `hear` raises Skip (leave this word out) or Stop (end; keep nothing new)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from voiceguide.enroll.features import features
from voiceguide.enroll.lines import EnrollLines, lines_for, lookalikes_for
from voiceguide.enroll.takes import Take
from voiceguide.enroll.voices import Partner


class Skip(Exception):
    """Leave the current word out."""


class Stop(Exception):
    """End enrollment now, keeping nothing new."""


TAKES = 3
MIN_TAKES = 2  # a command with fewer good takes is left out: the templates then have no opinion on it
RETRIES = 3  # bad takes of one word before it is left out


def enroll(commands: Mapping[str, Sequence[str]], code: str, names: Sequence[str],
           say: Callable[[str], None], hear: Callable[[], Take], rate: int,
           *, lookalikes: Sequence[str] | None = None) -> list[Partner] | None:
    """The enrolled partners (thresholds learned), or None when stopped."""
    lines = lines_for(code)
    looks = lookalikes_for(code) if lookalikes is None else lookalikes
    partners: list[Partner] = []
    try:
        say(lines.intro)
        for name in names:
            partner = Partner(name, dt.datetime.now().astimezone().isoformat(timespec="seconds"))
            say(lines.partner.format(name=name))
            for command, phrases in commands.items():
                word = phrases[0]
                say(lines.say_three.format(word=word))
                got = _takes(word, TAKES, say, hear, lines, rate)
                if len(got) >= MIN_TAKES:
                    partner.takes[command] = got
                    partner.phrases[command] = word
            if looks:
                say(lines.lookalikes_intro)
            for word in looks:
                say(lines.say_once.format(word=word))
                partner.negatives += _takes(word, 1, say, hear, lines, rate)
            partner.learn()
            if partner.takes:
                partners.append(partner)
            say(lines.partner_done.format(name=name))
    except Stop:
        say(lines.stopped)
        return None
    if not partners:
        say(lines.stopped)
        return None
    say(lines.done)
    return partners


def _takes(word: str, wanted: int, say: Callable[[str], None], hear: Callable[[], Take], lines: EnrollLines,
           rate: int) -> list[Any]:
    """Up to `wanted` good takes' features; bad takes are named and asked again, RETRIES times."""
    got: list[Any] = []
    bad = 0
    try:
        while len(got) < wanted:
            take = hear()
            feats = features(take.samples, rate) if not take.problem else None
            if feats is not None and len(feats) == 0:
                take = Take(take.samples, "too-quiet", take.seconds)
            if take.problem:
                bad += 1
                if bad > RETRIES:
                    say(lines.skipped.format(word=word))
                    return got
                say(f"{lines.problems[take.problem]} {lines.again.format(word=word)}")
                continue
            got.append(feats)
    except Skip:
        say(lines.skipped.format(word=word))
    return got
