"""Soak test: a long session with noise and Korean conversation in the mic; prints ONE JSON object.

The real engine and runner play ko-presence over and over (as one long evening would) while the real
listener (real Korean Vosk model, real acceptance rules, the same Listener that `voiceguide listen
--wav --fast` feeds) hears an endless synthetic stream of pink room noise and espeak-ng Korean
conversation. No utterance in the stream is a command phrase on its own, so every accepted command
is a wrong one — and it is posted to the session as it would be, so it also disturbs the timers.

Time: the session's clock IS the audio stream's clock (seconds of audio the listener has taken in).
Audio is fed as fast as the listener can take it, so an hour runs in minutes, and the runner's timers
wake on audio time: a late runner, a lost or double-counted pause, a timer restarted with the wrong
time left all show as drift. Sound out is the text stand-in (lines take their estimated speaking time).
A "couple" presses keys on the same clock: `next` a few seconds after every wait, and now and then
`pause` in the middle of a timer and `resume` a few seconds later.

  rss_growth_mb    resident memory at the end minus after warm-up (the first 10 % of audio, at most 5 min)
  timer_drift_s    the worst |time a timer or silence actually ran - what the script says| (seconds)
  wrong_commands   voice commands accepted from conversation and noise
  wrong_commands_dropped  of those, the ones heard in a turn or a silence that waited for quiet
                   and were let go (talk went on, or the session moved on first): they did nothing
  wrong_commands_by_phase  the same, by what the session was doing when each was heard (the engine's
                   phase: timing = a partner's turn or a timed silence, waiting, speaking, silence,
                   closing; paused while it was paused; between = between two sessions)
  turns_cut_short  partner turns ended before their time by a command nobody gave (the couple here
                   never ends a turn early, so every turn left before its time is one)

    python scripts/soak.py                 # 60 minutes of audio (a few minutes of wall time)
    python scripts/soak.py --minutes 2     # quick look

Measured 2026-12-01, --minutes 60, before and after the command words were chosen against everyday
talk (the same stream): 9 -> 8 wrong commands (timing 7 -> 6; silence 1, and waiting 1 -> speaking 1),
turns_cut_short 4 both. The two 멈춰 taken from 고마워 정말 are gone; five of the eight left are
다음에 ("next time", not in the model's vocabulary) or 응 taken as 다음, which stays (see
voiceguide/lang/ko.yaml); the rest are replies that mean a command (잠깐만, 그만해), as they may be.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import queue
import random
import resource
import sys
import threading
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's voiceguide, not an installed one

import listen_corpus as corpus  # noqa: E402

from voiceguide import library  # noqa: E402
from voiceguide.events import CancelTimer, Chime, Command, End, EnterStep, Held, Ignored, PlayClip, Speak, StartTimer  # noqa: E402
from voiceguide.lang import load_pack  # noqa: E402
from voiceguide.listen.build import cached_model, make_listener, model_path  # noqa: E402
from voiceguide.listen.heard import Heard  # noqa: E402
from voiceguide.listen.source import ThreadedSource  # noqa: E402
from voiceguide.plan import PauseStep, TimerStep  # noqa: E402
from voiceguide.runner import Bus  # noqa: E402
from voiceguide.session import assemble, follow_expect, run  # noqa: E402
from voiceguide.settings import SessionOptions, Settings  # noqa: E402
from voiceguide.textout import TextOutput  # noqa: E402

BLOCK_S = 0.05
AHEAD_S = 1.0  # how far the source may run ahead of what the listener has taken in
POLL_S = 0.002  # the runner's real-time poll while it waits for audio time to pass


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class AudioClock:
    """The runner's Clock, running on the audio the listener has taken in (set from its level hook).
    Audio is fed many times faster than real time, so a runner woken a few milliseconds late would
    see its timer run tens of milliseconds of audio long: time does not pass a moment the runner
    waits for until it has woken for it, as a real clock would not. So what drift remains is the
    session's own (a lost or double-counted pause, a timer restarted with the wrong time left)."""

    def __init__(self) -> None:
        self.t = 0.0
        self.finished = threading.Event()  # the soak is over: time stands still, waits end at once
        self._wall0 = time.time()
        self._cv = threading.Condition()
        self._deadline: float | None = None  # the moment the runner is waiting for

    def advance(self, t: float) -> None:
        with self._cv:
            while self._deadline is not None and t > self._deadline and not self.finished.is_set():
                self.t = max(self.t, self._deadline)  # up to that moment, and no further until it has woken
                self._cv.wait(0.05)
            if t > self.t:
                self.t = t

    def now(self) -> float:
        return self.t

    def wall(self) -> float:
        return self._wall0 + self.t

    def wait(self, q: queue.Queue[object], timeout: float | None) -> object | None:
        deadline = None if timeout is None else self.t + timeout
        with self._cv:
            self._deadline = deadline
        try:
            while True:
                try:
                    return q.get(timeout=POLL_S)
                except queue.Empty:
                    pass
                if deadline is not None and self.t >= deadline:
                    return None
                if self.finished.is_set():
                    if deadline is not None:
                        self.t = max(self.t, deadline)
                    return None
        finally:
            with self._cv:
                self._deadline = None
                self._cv.notify_all()


class ConversationSource(ThreadedSource):
    """An endless mic-like stream: Korean conversation by several espeak-ng voices with pauses of
    every length, under steady pink noise; paced so it never runs more than AHEAD_S ahead."""

    def __init__(self, clock: AudioClock, pack, seed: int = 7, snr_db: float = 15.0) -> None:  # type: ignore[no-untyped-def]
        self.rate = corpus.RATE
        self.name = "synthetic conversation"
        self.clock = clock
        self.snr_db = snr_db
        phrases = set(pack.phrases())
        sentences = [s for s in corpus.CONVERSATION if s.strip() not in phrases]
        rng = random.Random(seed)
        self.clips = [(s, corpus.synth(s, rng.choice(corpus.VOICES), rng.choice(corpus.SPEEDS), rng.randint(35, 65)))
                      for s in sentences for _ in range(2)]
        self.said: deque[tuple[float, float, str]] = deque(maxlen=1000)  # recent (start, end, text)
        self.rng = rng
        self.sent = 0

    def _chunk(self, k: int):  # type: ignore[no-untyped-def]
        """About 30 s of talk: turns of a few sentences, gaps from a breath to a long silence."""
        import numpy as np

        rng = self.rng
        parts, seconds, t0 = [], 0.0, self.sent / self.rate
        while seconds < 30.0:
            r = rng.random()
            gap = rng.uniform(0.3, 1.5) if r < 0.7 else rng.uniform(2.0, 6.0) if r < 0.95 else rng.uniform(8.0, 20.0)
            parts.append(corpus.silence(gap))
            text, clip = rng.choice(self.clips)
            parts.append(clip.audio)
            self.said.append((t0 + seconds + gap + clip.start, t0 + seconds + gap + clip.end, text))
            seconds += gap + len(clip.audio) / self.rate
        return corpus.add_noise(np.concatenate(parts), self.snr_db, seed=k)

    def _run(self, put) -> None:  # type: ignore[no-untyped-def]
        block = int(self.rate * BLOCK_S)
        try:
            for k in itertools.count():
                audio = self._chunk(k)
                for i in range(0, len(audio), block):
                    while (self.sent / self.rate - self.clock.t > AHEAD_S) and not self._stop.is_set():
                        time.sleep(0.001)
                    if self._stop.is_set():
                        return
                    pcm = audio[i:i + block].tobytes()
                    self.sent += len(pcm) // 2
                    put(pcm)
        finally:
            put(None)


class Couple:
    """Presses keys on audio time: `next` some seconds into every wait, and a pause of a few seconds
    in the middle of a timer now and then. Asks to stop (twice: the confirmation) when time is up."""

    def __init__(self, clock: AudioClock, seconds: float, seed: int = 5) -> None:
        self.clock = clock
        self.seconds = seconds
        self.rng = random.Random(seed)
        self.parts = None
        self.time_up = threading.Event()
        self.rss: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-couple", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        waiting_since = None
        next_pause = self.rng.uniform(60, 150)
        resume_at = None
        next_rss = 0.0
        while not self._stop.wait(0.005):
            t, parts = self.clock.t, self.parts
            if t >= next_rss:
                self.rss.append((t, rss_mb()))
                next_rss += 30.0
            if parts is None:
                continue
            bus, engine = parts.bus, parts.engine
            if t >= self.seconds and not self.time_up.is_set():
                self.time_up.set()
                bus.post(Command("stop"))
                bus.post(Command("stop"))
                continue
            if resume_at is not None:
                if t >= resume_at:
                    bus.post(Command("resume"))
                    resume_at = None
                continue
            if engine.paused:  # a pause it did not ask for (a wrong voice command): carry on soon
                resume_at = t + self.rng.uniform(3.0, 8.0)
                continue
            if bus.awaiting_input.is_set():
                if waiting_since is None:
                    waiting_since = t
                elif t - waiting_since >= 4.0:
                    bus.post(Command("next"))
                    waiting_since = None
            else:
                waiting_since = None
            if t >= next_pause and engine.phase == "timing" and engine._hold is None:
                bus.post(Command("pause"))
                resume_at = t + self.rng.uniform(3.0, 8.0)
                next_pause = t + self.rng.uniform(60, 150)


def timer_drifts(log: list[tuple[float, object]], plan) -> list[float]:  # type: ignore[no-untyped-def]
    """For every timed step that ran to its end: (sum of its running stretches) - (the script's time).
    A silence ends with whatever comes after it (the next step, or the closing line); a timed turn
    ends with its CancelTimer (its warning chime sounds while it runs)."""
    drifts = []
    index, ran, started, complete = None, 0.0, None, False

    def close_step() -> None:
        if index is not None and isinstance(plan[index], (TimerStep, PauseStep)) and complete:
            drifts.append(ran - plan[index].seconds)

    for t, message in log:
        if started is not None and isinstance(plan[index], PauseStep) and isinstance(
                message, (EnterStep, End, Speak, PlayClip, Chime)):
            ran += t - started  # the silence ran out
            started, complete = None, True
        if isinstance(message, (EnterStep, End)):
            close_step()
            index = message.index if isinstance(message, EnterStep) else None
            ran, started, complete = 0.0, None, False
        elif isinstance(message, StartTimer):
            started = t
        elif isinstance(message, CancelTimer) and started is not None:
            ran += t - started
            started = None
            complete = message.remaining == 0.0
    return drifts


def turns_cut_short(log: list[tuple[float, object]], plan, *, stopped_on_purpose: bool) -> int:  # type: ignore[no-untyped-def]
    """Partner turns (timed steps of a turn) that were left before their time was up. The session's
    last End("stopped") is the couple's own when `stopped_on_purpose` (the soak's time ran out)."""
    cut = 0
    index, started, complete = None, False, False
    for _t, message in log:
        if isinstance(message, (EnterStep, End)):
            step = plan[index] if index is not None else None
            own_stop = isinstance(message, End) and message.reason == "stopped" and stopped_on_purpose
            if isinstance(step, TimerStep) and step.turn is not None and started and not complete and not own_stop:
                cut += 1
            index = message.index if isinstance(message, EnterStep) else None
            started, complete = False, False
        elif isinstance(message, StartTimer):
            started = True
        elif isinstance(message, CancelTimer) and message.remaining == 0.0:
            complete = True
    return cut


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60.0, help="minutes of audio (and session time)")
    ap.add_argument("--exercise", default="ko-presence", help="exercise played over and over")
    ap.add_argument("--model", help="model folder (default: found as 'play' finds it)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-v", "--verbose", action="store_true", help="print every timer and command on stderr")
    args = ap.parse_args()

    exercise = library.find(args.exercise, ())
    pack = load_pack(exercise.script.language)
    model = model_path(pack, args.model)
    cached_model(model)
    clock = AudioClock()
    seconds = args.minutes * 60.0
    source = ConversationSource(clock, pack, seed=args.seed)
    couple = Couple(clock, seconds, seed=args.seed)
    wrong: list[str] = []
    by_phase: dict[str, int] = {}
    current: list = []
    # posted as a session is: each command, and the talk after it that lets a held one go
    voice = Heard(lambda event: current[0].bus.post(event) if current else None)

    def on_decision(decision) -> None:  # type: ignore[no-untyped-def]
        if decision.accepted:
            lo, hi = (decision.start or decision.t) - 0.3, (decision.end or decision.t) + 0.3
            spoken = [text for start, end, text in list(source.said) if start < hi and end > lo]
            engine = current[0].engine if current else None
            phase = "between" if engine is None else "paused" if engine.paused else str(engine.phase)
            by_phase[phase] = by_phase.get(phase, 0) + 1
            wrong.append(f"{decision.t:.1f}s {decision.name} '{decision.text}' conf {decision.conf} "
                         f"while {phase} (spoken: {spoken})")
            voice.decision(decision)

    listener = make_listener(pack, source, on_decision, model=model, on_talk=voice.talk,
                             on_level=lambda t, level: clock.advance(t))
    wall0, cpu0 = time.monotonic(), time.process_time()
    listener.start()
    couple.start()
    drifts: list[float] = []
    dropped = 0  # wrong commands that waited for quiet in a turn or a silence, and were let go
    cut_short = 0
    sessions = 0
    options = SessionOptions(text=True, listen=False)
    with open(os.devnull, "w") as devnull:
        while not couple.time_up.is_set() and not listener.done.is_set():
            log: list[tuple[float, object]] = []
            parts = assemble(exercise, Settings(), options, clock=clock, bus=Bus(clock),
                             output_factory=lambda bus: TextOutput(bus, stream=devnull))
            parts.observers.append(lambda wall, message, log=log: log.append((clock.now(), message)))
            parts.observers.append(follow_expect(listener, pack))  # what a session hears changes with its state
            current[:] = [parts]
            couple.parts = parts
            run(parts)
            sessions += 1
            found = timer_drifts(log, parts.plan)
            cut_short += turns_cut_short(log, parts.plan, stopped_on_purpose=couple.time_up.is_set())
            drifts += found
            dropped += sum(1 for _, m in log if isinstance(m, Held) and m.outcome == "dropped")
            if args.verbose:
                for t, message in log:
                    if isinstance(message, (StartTimer, CancelTimer, EnterStep, End, Command, Ignored, Held)):
                        print(f"  {t:9.3f} {message}", file=sys.stderr)
                print("drifts:", [round(d, 3) for d in found], file=sys.stderr)
    clock.finished.set()
    couple.stop()
    audio_s = clock.t
    listener.stop()
    if listener.error:
        raise SystemExit(f"soak: {listener.error}")
    wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    warm = min(300.0, 0.1 * audio_s)
    after = [mb for t, mb in couple.rss if t >= warm]
    growth = after[-1] - after[0] if len(after) >= 2 else 0.0
    for line in wrong:
        print("wrong command:", line, file=sys.stderr)
    report = {
        "rss_growth_mb": round(growth, 2),
        "timer_drift_s": round(max((abs(d) for d in drifts), default=0.0), 3),
        "wrong_commands": len(wrong),
        "wrong_commands_by_phase": dict(sorted(by_phase.items())),
        "turns_cut_short": cut_short,
        "audio_minutes": round(audio_s / 60, 2),
        "sessions": sessions,
        "timers_measured": len(drifts),
        "timer_drift_mean_s": round(sum(drifts) / len(drifts), 3) if drifts else None,
        "rss_peak_growth_mb": round(max(after) - after[0], 2) if after else None,  # the worst moment
        "rss_after_warmup_mb": round(after[0], 1) if after else None,
        "rss_end_mb": round(after[-1], 1) if after else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "wall_seconds": round(wall, 1),
        "cpu_fraction": round(cpu / audio_s, 4) if audio_s else None,
        "wrong_commands_dropped": dropped,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
