"""Cutting one spoken word out of the microphone's blocks, and checking it is a usable take.

A take is judged the way the listener judges a command: it must stand out of the room's quiet, be
short, and be whole (neither already under way when listening began nor still going when it
ended). A bad take is said plainly and asked for again: a template from a clipped or mumbled word
would veto the partner's own commands later."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from voiceguide.listen.listener import level_db

MARGIN_DB = 6.0  # above the quiet of the room: sound
LOUD_ENOUGH_DB = 15.0  # a take must peak this far above the quiet
LOUD_ENOUGH_DBFS = -40.0  # and this loud at least (a voice near a microphone peaks far above it)
QUIET_DBFS = -50.0  # at or below this is always quiet
END_QUIET_S = 0.4  # quiet after sound that ends a take
MAX_TAKE_S = 1.5  # a command is short (the listener's own limit)
MIN_TAKE_S = 0.12


@dataclass(frozen=True)
class Take:
    """What was heard: the samples of the word with a little quiet around it, or why it is unusable."""

    samples: Any  # int16 numpy array (kept in memory only, never written)
    problem: str  # "" when usable; else too-quiet, too-long, cut-off, nothing
    seconds: float = 0.0
    floor: float | None = None  # the quietest block heard: the room's quiet, for the next take


def listen_for_take(blocks: Iterator[bytes | None], rate: int, timeout_s: float = 6.0,
                    floor_db: float | None = None) -> Take:
    """Read blocks until one word has been said and followed by quiet, or until `timeout_s`.
    A None block (the stream ended) ends the wait."""
    import dataclasses

    quietest: list[float] = []
    take = _listen(blocks, rate, timeout_s, floor_db, quietest)
    return dataclasses.replace(take, floor=quietest[0] if quietest else floor_db)


def _listen(blocks: Iterator[bytes | None], rate: int, timeout_s: float, floor_db: float | None,
            quietest: list[float]) -> Take:
    import numpy as np

    kept: list[Any] = []
    floor = floor_db
    t = 0.0
    start: float | None = None
    last_loud: float | None = None
    peak = -200.0
    began_at_once = False
    pre: list[Any] = []  # a little quiet before the word
    for pcm in blocks:
        if pcm is None:
            break
        n = len(pcm) // 2
        block_s = n / rate
        level = level_db(pcm)
        x = np.frombuffer(pcm, dtype=np.int16)
        quietest[:] = [min([level, *quietest])]
        if floor is None:  # not known yet: a first block already loud is a word under way
            floor = min(level, QUIET_DBFS - 5.0)
        elif start is None and level < floor:
            floor = level
        elif start is None:
            floor += 1.0 * block_s
        loud = level > max(floor + MARGIN_DB, QUIET_DBFS)
        t += block_s
        if start is None:
            if loud:
                start = t - block_s
                began_at_once = t <= block_s + 1e-9
                kept = [*pre, x]
                last_loud, peak = t, level
            else:
                pre = [*pre, x][-max(1, int(0.15 / block_s)):]
                if t >= timeout_s:
                    return Take(np.zeros(0, dtype=np.int16), "nothing")
            continue
        kept.append(x)
        if loud:
            last_loud = t
            peak = max(peak, level)
        if t - last_loud >= END_QUIET_S:
            return _judge(np.concatenate(kept), last_loud - start, peak, floor, began_at_once, False)
        if t - start > MAX_TAKE_S + 2.0 or t >= timeout_s + MAX_TAKE_S:
            return _judge(np.concatenate(kept), last_loud - start, peak, floor, began_at_once, True)
    if start is None:
        return Take(np.zeros(0, dtype=np.int16), "nothing")
    return _judge(np.concatenate(kept), (last_loud or t) - start, peak, floor, began_at_once, True)


def _judge(samples: Any, seconds: float, peak: float, floor: float | None, began_at_once: bool,
           unfinished: bool) -> Take:
    if seconds > MAX_TAKE_S:
        return Take(samples, "too-long", seconds)
    if began_at_once or unfinished:
        return Take(samples, "cut-off", seconds)
    if peak < LOUD_ENOUGH_DBFS or peak - (floor if floor is not None else -100.0) < LOUD_ENOUGH_DB or seconds < MIN_TAKE_S:
        return Take(samples, "too-quiet", seconds)
    return Take(samples, "", seconds)


def blocks_of(samples: Any, block: int = 1600) -> Callable[[], Iterator[bytes | None]]:
    """A recording as microphone blocks (tests, and `enroll --wav`)."""
    import numpy as np

    data = np.asarray(samples, dtype=np.int16)

    def gen() -> Iterator[bytes | None]:
        for i in range(0, len(data), block):
            yield data[i:i + block].tobytes()
        yield None

    return gen
