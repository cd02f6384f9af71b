"""Speech: text → a WAV file, rendered by pyttsx3 (espeak-ng) and kept in a disk cache.

pyttsx3's `say()` plays through a blocking `aplay` call that cannot be interrupted, so lines are
rendered with `save_to_file` and played by audio out like any other clip. The espeak engine is not
thread-safe and keeps global state, so every call into pyttsx3 happens on ONE worker thread owned
by `Speech`; everyone else asks that thread and waits (or is called back).

A session starts with `prerender(texts)`: the worker renders the whole exercise, first lines first,
while the guide already speaks, so that by the time a step comes its line is on disk.
"""

from __future__ import annotations

import difflib
import hashlib
import heapq
import itertools
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.errors import BadInput, VoiceguideError

if TYPE_CHECKING:
    from voiceguide.lang import SystemLines
    from voiceguide.plan import PlanStep

APP = "voiceguide"
# Bump when the way a line is rendered changes, so old cache entries are not reused.
FORMAT = "1"


def cache_dir() -> Path:
    """Where rendered lines are kept (VOICEGUIDE_CACHE_DIR, else the platform's user cache dir)."""
    env = os.environ.get("VOICEGUIDE_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP)) / "speech"


@dataclass(frozen=True)
class VoiceInfo:
    id: str  # what espeak-ng is given, e.g. gmw/en-us
    name: str  # e.g. English (America)
    languages: tuple[str, ...]


def _quiet_print(*args: object, **kwargs: object) -> None:
    """pyttsx3's espeak driver prints "Audio saved to ..." on stdout after every file; stdout is
    for data (a piped `voiceguide` must stay clean), so that module's `print` goes nowhere."""


@cache
def _pyttsx3():  # type: ignore[no-untyped-def]
    try:
        import pyttsx3
        from pyttsx3.drivers import espeak as espeak_driver
    except (ImportError, OSError) as exc:  # OSError: libespeak-ng missing
        raise VoiceguideError(
            f"speech is not available ({exc}); install espeak-ng (apt install espeak-ng), or use --text"
        ) from None
    espeak_driver.print = _quiet_print  # type: ignore[attr-defined]
    return pyttsx3


@cache
def engine_version() -> str:
    """pyttsx3 and espeak-ng versions: part of every cache key, so an upgrade re-renders."""
    import importlib.metadata

    _pyttsx3()
    from pyttsx3.drivers import _espeak

    espeak = _espeak.Info(None)
    espeak = espeak.decode() if isinstance(espeak, bytes) else str(espeak)
    return f"pyttsx3-{importlib.metadata.version('pyttsx3')}/espeak-ng-{espeak}"


# espeak-ng is one global engine per process: every call into it holds this lock. During a session
# only the Speech worker renders; the lock keeps `say`, `render` and voice listing honest too.
_ESPEAK = threading.RLock()
_engine = None


def _shared_engine():  # type: ignore[no-untyped-def]
    """The process's pyttsx3 engine (created once: espeak-ng cannot be initialised twice)."""
    global _engine
    with _ESPEAK:
        if _engine is None:
            _engine = _pyttsx3().init()
        return _engine


@cache
def list_voices() -> tuple[VoiceInfo, ...]:
    """Every voice espeak-ng offers."""
    from pyttsx3.drivers import _espeak

    with _ESPEAK:
        _shared_engine()
        raw = _espeak.ListVoices(None)
        out = []
        for v in raw:
            ident = v.identifier.decode("utf-8").lower()
            languages = (v.languages[1:].decode("utf-8", "ignore"),) if v.languages else ()
            out.append(VoiceInfo(ident, v.name.decode("utf-8"), languages))
    return tuple(sorted(out, key=lambda v: v.id))


@cache
def _variants() -> tuple[str, ...]:
    """Voice variants (the part after '+', as in en-us+f3), from espeak-ng's data folder."""
    import ctypes

    from pyttsx3.drivers import _espeak

    with _ESPEAK:
        _shared_engine()
        data = ctypes.c_char_p()
        _espeak.Info(ctypes.addressof(data))
    roots = [Path(data.value.decode())] if data.value else []
    roots += [Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data"), Path("/usr/share/espeak-ng-data")]
    for root in roots:
        folder = root / "voices" / "!v"
        if folder.is_dir():
            return tuple(sorted(p.name for p in folder.iterdir() if p.is_file()))
    return ()


def resolve_voice(name: str) -> str:
    """The voice id espeak-ng will really use for `name`, or BadInput listing close matches.

    espeak-ng silently keeps the previous voice when given a name it does not know, so a typo would
    otherwise go unnoticed. Accepted: an id (gmw/en-us), its last part (en-us), the voice's name
    (English (America)), each optionally with a variant (en-us+f3)."""
    base, plus, variant = name.strip().partition("+")
    voices = list_voices()
    table: dict[str, str] = {}
    for v in voices:
        table.setdefault(v.id, v.id)
        table.setdefault(v.name.lower(), v.id)
        table.setdefault(v.id.rsplit("/", 1)[-1], v.id)
    ident = table.get(base.lower())
    if ident is None:
        close = difflib.get_close_matches(base.lower(), list(table), n=5, cutoff=0.6)
        last = base.lower().rsplit("/", 1)[-1]
        if last in table and last not in close:
            close.insert(0, last)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise BadInput(f"unknown voice {name!r}{hint} (see 'voiceguide say --list-voices')")
    if not plus:
        return ident
    variants = _variants()
    if variant not in variants:
        close = difflib.get_close_matches(variant, list(variants), n=5, cutoff=0.5)
        hint = f"; close matches: {', '.join(ident + '+' + c for c in close)}" if close else ""
        raise BadInput(f"unknown voice variant {variant!r} in {name!r}{hint}")
    return f"{ident}+{variant}"


def cache_key(text: str, voice: str, rate: int) -> str:
    raw = "\x00".join([FORMAT, engine_version(), voice, str(int(rate)), text])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


class SpeechCache:
    """Rendered lines on disk, one WAV per (text, voice, rate, engine version)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or cache_dir()

    def path_for(self, text: str, voice: str, rate: int) -> Path:
        key = cache_key(text, voice, rate)
        return self.folder / key[:2] / f"{key}.wav"

    def get(self, text: str, voice: str, rate: int) -> Path | None:
        path = self.path_for(text, voice, rate)
        return path if path.is_file() else None


class _Synth:
    """Renders one line into a file, atomically."""

    def render(self, text: str, voice: str, rate: int, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".wav.part", dir=dest.parent)
        os.close(fd)
        try:
            with _ESPEAK:
                engine = _shared_engine()
                # set every time: another thread (say, render) may have changed them
                engine.setProperty("voice", voice)
                engine.setProperty("rate", int(rate))
                engine.save_to_file(text, tmp)
                engine.runAndWait()
            if os.path.getsize(tmp) <= 44:
                raise VoiceguideError(f"speech engine produced no audio for {text[:40]!r}")
            os.replace(tmp, dest)  # atomic: a reader never sees half a file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


Callback = Callable[[Path | None, BaseException | None], None]


class Speech:
    """Renders lines on one worker thread, with a disk cache. Urgent requests (the line about to be
    spoken) jump the queue of lines being rendered ahead."""

    URGENT, AHEAD = 0, 1

    def __init__(self, voice: str, rate: int, *, cache: SpeechCache | None = None) -> None:
        self.voice = resolve_voice(voice)
        self.rate = int(rate)
        self.cache = cache or SpeechCache()
        self.rendered = 0  # lines rendered (cache misses), for tests and benchmarks
        self._queue: list[tuple[int, int, str, Callback | None]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    # ---- asking ------------------------------------------------------------------------------

    def cached(self, text: str) -> Path | None:
        return self.cache.get(text, self.voice, self.rate)

    def request(self, text: str, callback: Callback, *, urgent: bool = True) -> None:
        """Call back (on the worker thread) with the WAV for `text` once it is on disk."""
        path = self.cached(text)
        if path is not None:
            callback(path, None)
            return
        self._put(self.URGENT if urgent else self.AHEAD, text, callback)

    def get(self, text: str, timeout: float | None = 30.0) -> Path:
        """The WAV for `text`, rendering it now if need be (blocks)."""
        path = self.cached(text)
        if path is not None:
            return path
        done = threading.Event()
        result: list[Path | BaseException | None] = [None]

        def finished(p: Path | None, err: BaseException | None) -> None:
            result[0] = err if err is not None else p
            done.set()

        self._put(self.URGENT, text, finished)
        if not done.wait(timeout):
            raise VoiceguideError(f"speech rendering took longer than {timeout:g}s")
        if isinstance(result[0], BaseException):
            raise result[0]
        assert isinstance(result[0], Path)
        return result[0]

    def prerender(self, texts: Iterable[str]) -> None:
        """Render these lines ahead, in this order, behind any urgent request."""
        seen: set[str] = set()
        for text in texts:
            if text.strip() and text not in seen:
                seen.add(text)
                if self.cached(text) is None:
                    self._put(self.AHEAD, text, None)

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until every line asked for is rendered."""
        with self._cv:
            return self._cv.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._queue.clear()
            self._cv.notify_all()
        self._thread.join(timeout=5.0)

    # ---- the worker --------------------------------------------------------------------------

    _busy = False

    def _put(self, priority: int, text: str, callback: Callback | None) -> None:
        with self._cv:
            if self._closed:
                raise VoiceguideError("speech has been closed")
            heapq.heappush(self._queue, (priority, next(self._seq), text, callback))
            self._cv.notify_all()

    def _run(self) -> None:
        synth: _Synth | None = None
        while True:
            with self._cv:
                self._busy = False
                self._cv.notify_all()
                self._cv.wait_for(lambda: self._queue or self._closed)
                if self._closed:
                    return
                _, _, text, callback = heapq.heappop(self._queue)
                self._busy = True
            path = self.cached(text)
            error: BaseException | None = None
            if path is None:
                try:
                    if synth is None:
                        synth = _Synth()
                    dest = self.cache.path_for(text, self.voice, self.rate)
                    synth.render(text, self.voice, self.rate, dest)
                    self.rendered += 1
                    path = dest
                except OSError as exc:
                    error = VoiceguideError(f"cannot write rendered speech to {self.cache.folder}: {exc.strerror or exc}")
                except Exception as exc:  # noqa: BLE001 - handed to the caller, never lost
                    error = exc if isinstance(exc, VoiceguideError) else VoiceguideError(f"speech rendering failed: {exc}")
            if callback is not None:
                try:
                    callback(path, error)
                except Exception:  # noqa: BLE001 - a broken callback must not kill the worker
                    import traceback

                    traceback.print_exc()


def session_texts(plan: Sequence[PlanStep], lines: SystemLines) -> list[str]:
    """Every line a session may say, in the order it is likely to be needed: the first line, then
    the answers to pause, stop and help (which can come at any moment), then the rest of the plan
    in order, then the closing lines."""
    from voiceguide.plan import SayStep, TimerStep, WaitStep

    steps: list[str] = []
    for step in plan:
        if isinstance(step, SayStep):
            if step.audio is None or not step.audio.is_file():
                steps.append(step.text)
            if step.wait_next:
                steps.append(lines.ready)
        elif isinstance(step, TimerStep) and step.end_text is not None:
            steps.append(step.end_text)
        elif isinstance(step, WaitStep):
            steps.append(lines.ready)
    anytime = [lines.paused, lines.confirm_stop, lines.help, lines.stopped]
    closing = [lines.closing, lines.first_step, lines.mic_lost, lines.mic_back]
    ordered = steps[:1] + anytime + steps[1:] + closing
    out: list[str] = []
    seen: set[str] = set()
    for text in ordered:
        if text.strip() and text not in seen:
            seen.add(text)
            out.append(text)
    return out
