"""Speech: text → a WAV file, rendered by espeak-ng (through pyttsx3's binding) and kept in a disk cache.

pyttsx3's `say()` plays through a blocking `aplay` call that cannot be interrupted, so lines are
rendered to WAV files and played by audio out like any other clip. espeak-ng is one global,
non-thread-safe engine per process: during a session only the worker thread owned by `Speech`
renders, everyone else asks it and waits (or is called back), and a lock guards every call.

A session starts with `prerender(texts)`: the worker renders the whole exercise, first lines first,
while the guide already speaks, so that by the time a step comes its line is on disk.
"""

from __future__ import annotations

import difflib
import hashlib
import heapq
import itertools
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import places
from voiceguide.errors import BadInput, VoiceguideError

if TYPE_CHECKING:
    from voiceguide.lang import SystemLines
    from voiceguide.plan import PlanStep

# Bump when the way a line is rendered changes, so old cache entries are not reused.
FORMAT = "1"


def cache_dir() -> Path:
    """Where rendered lines are kept (VOICEGUIDE_CACHE_DIR, else the platform's user cache dir)."""
    env = os.environ.get("VOICEGUIDE_CACHE_DIR")
    if env:
        return Path(env)
    return places.cache_dir() / "speech"


@dataclass(frozen=True)
class VoiceInfo:
    id: str  # what espeak-ng is given, e.g. gmw/en-us
    name: str  # e.g. English (America)
    languages: tuple[tuple[str, int], ...]  # (language code, priority: lower is preferred for it)


# espeak-ng is one global engine per process: every call into it holds this lock. During a session
# only the Speech worker renders; the lock keeps `say`, `render` and voice listing honest too.
_ESPEAK = threading.RLock()


def _espeak():  # type: ignore[no-untyped-def]
    with _ESPEAK:
        return _espeak_init()


@cache
def _espeak_init():  # type: ignore[no-untyped-def]
    """pyttsx3's ctypes binding of libespeak-ng, initialised once, in synchronous mode.

    Why not pyttsx3's own `save_to_file` + `runAndWait`: in pyttsx3 2.99 espeak-ng runs in
    retrieval mode on its own thread, `runAndWait` often returns before the file is written, and its
    end-of-loop `stop()` cancels a synthesis still running (a stale stop flag then cancels the next
    one too). Measured: 9 of 12 fresh processes got a missing or empty file for their first line.
    In synchronous mode `Synth` returns when the whole line has been handed to our callback."""
    try:
        from pyttsx3.drivers import _espeak
    except (ImportError, OSError, RuntimeError) as exc:  # no libespeak-ng
        raise VoiceguideError(
            f"speech is not available ({exc}); install espeak-ng (apt install espeak-ng), or use --text"
        ) from None
    rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 0)
    if rate == -1:
        raise VoiceguideError("espeak-ng could not be initialised (is espeak-ng-data installed?)")
    _espeak.SetSynthCallback(_on_audio)  # pyttsx3's wrapper keeps the ctypes callback alive
    try:  # a pyttsx3 engine created later in this process must not initialise espeak-ng again
        from pyttsx3.drivers.espeak import EspeakDriver

        EspeakDriver._moduleInitialized = True
        EspeakDriver._defaultVoice = EspeakDriver._defaultVoice or "gmw/en"
    except (ImportError, AttributeError):
        pass
    return _espeak, int(rate)


@cache
def engine_version() -> str:
    """pyttsx3 and espeak-ng versions: part of every cache key, so an upgrade re-renders."""
    import importlib.metadata

    espeak, _ = _espeak()
    with _ESPEAK:
        version = espeak.Info(None)
    version = version.decode() if isinstance(version, bytes) else str(version)
    return f"pyttsx3-{importlib.metadata.version('pyttsx3')}/espeak-ng-{version}"


_chunks: list[bytes] = []  # the line being synthesised (filled under _ESPEAK)


def _on_audio(wav, numsamples, events) -> int:  # type: ignore[no-untyped-def]
    """espeak-ng's callback: runs inside Synth, on the caller's thread (synchronous mode)."""
    if wav and numsamples > 0:
        import ctypes

        _chunks.append(ctypes.string_at(wav, numsamples * 2))
    return 0


def synthesise(text: str, voice: str, rate: int) -> tuple[bytes, int]:
    """16-bit mono PCM for `text` and its sample rate."""
    espeak, sample_rate = _espeak()
    with _ESPEAK:
        _chunks.clear()
        espeak.SetSynthCallback(_on_audio)  # again: a pyttsx3 engine in the same process replaces it
        if espeak.SetVoiceByName(voice.encode("utf-8")) != 0:
            raise VoiceguideError(f"espeak-ng could not select voice {voice!r}")
        espeak.SetParameter(espeak.RATE, int(rate), 0)
        espeak.SetParameter(espeak.VOLUME, 100, 0)
        result = espeak.Synth(text.encode("utf-8"), flags=espeak.ENDPAUSE | espeak.CHARS_UTF8)
        if result != 0:
            raise VoiceguideError(f"espeak-ng failed to speak {text[:40]!r} (error {result})")
        espeak.Synchronize()
        pcm = b"".join(_chunks)
        _chunks.clear()
    return pcm, sample_rate


@cache
def list_voices() -> tuple[VoiceInfo, ...]:
    """Every voice espeak-ng offers."""
    espeak, _ = _espeak()
    with _ESPEAK:
        raw = espeak.ListVoices(None)
        out = []
        for v in raw:
            ident = v.identifier.decode("utf-8").lower()
            out.append(VoiceInfo(ident, v.name.decode("utf-8"), _languages(v)))
    return tuple(sorted(out, key=lambda v: v.id))


def _languages(voice) -> tuple[tuple[str, int], ...]:  # type: ignore[no-untyped-def]
    """A voice's languages: espeak-ng keeps them as (priority byte, code, NUL) pairs ending with a
    zero byte, which the binding's plain string field cuts after the first."""
    import ctypes

    address = ctypes.c_void_p.from_buffer(voice, type(voice).languages.offset).value
    out: list[tuple[str, int]] = []
    while address and len(out) < 32:
        priority = ctypes.string_at(address, 1)[0]
        if priority == 0:
            break
        code = ctypes.string_at(address + 1)
        out.append((code.decode("utf-8", "ignore").lower(), priority))
        address += len(code) + 2
    return tuple(out)


@cache
def _variants() -> tuple[str, ...]:
    """Voice variants (the part after '+', as in en-us+f3), from espeak-ng's data folder."""
    import ctypes

    espeak, _ = _espeak()
    with _ESPEAK:
        data = ctypes.c_char_p()
        espeak.Info(ctypes.addressof(data))
    roots = [Path(data.value.decode())] if data.value else []
    roots += [Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data"), Path("/usr/share/espeak-ng-data")]
    for root in roots:
        folder = root / "voices" / "!v"
        if folder.is_dir():
            return tuple(sorted(p.name for p in folder.iterdir() if p.is_file()))
    return ()


# A region in a language code: two letters (en-au) or three digits (es-419).
_REGION = re.compile(r"[a-z]{2}|[0-9]{3}")


def voice_table(voices: Sequence[VoiceInfo]) -> dict[str, str]:
    """Every name a voice goes by (lower case) -> its id, the first claim winning: an id
    (gmw/en-us), its last part (en-us), the voice's name (English (America)), then what espeak-ng's
    own `-v` takes besides: a language code (en-gb: the voice that ranks it first) and a
    language's name (english: the language's plainest voice, gmw/en rather than gmw/en-us)."""
    table: dict[str, str] = {}
    for v in voices:
        table.setdefault(v.id, v.id)
        table.setdefault(v.name.lower(), v.id)
        table.setdefault(v.id.rsplit("/", 1)[-1], v.id)

    def plainest(v: VoiceInfo) -> tuple[int, int, str]:
        return (min((p for _, p in v.languages), default=99), len(v.id), v.id)

    ranked: dict[str, tuple[int, int, str]] = {}
    for v in voices:
        for code, priority in v.languages:
            rank = (priority, len(v.id), v.id)
            if code not in ranked or rank < ranked[code]:
                ranked[code] = rank
    for code, (_, _, ident) in sorted(ranked.items()):
        table.setdefault(code, ident)
    for v in sorted(voices, key=plainest):
        table.setdefault(v.name.split("(")[0].strip().lower(), v.id)
    return table


def resolve_voice(name: str) -> str:
    """The voice id espeak-ng will really use for `name`, or BadInput listing close matches.

    espeak-ng silently keeps the previous voice when given a name it does not know, so a typo would
    otherwise go unnoticed. Accepted: any name in `voice_table`, and a language code with a region
    espeak-ng has no voice for (en-au falls back to en, as in espeak-ng; but en-uss, not a region,
    is a typo), each optionally with a variant (en-us+f3)."""
    base, plus, variant = name.strip().partition("+")
    table = voice_table(list_voices())
    key = base.strip().lower().replace("_", "-")
    ident = table.get(key)
    language, dash, region = key.rpartition("-")
    if ident is None and dash and _REGION.fullmatch(region):
        ident = table.get(language)
    if ident is None:
        shown = name if len(name) <= 60 else name[:57] + "..."  # a pasted page is not worth repeating
        raise BadInput(f"unknown voice {shown!r}{_suggest(key, table)} (see 'voiceguide say --list-voices')")
    if not plus:
        return ident
    variants = _variants()
    if variant not in variants:
        close = difflib.get_close_matches(variant, list(variants), n=5, cutoff=0.5)
        hint = f"; close matches: {', '.join(ident + '+' + c for c in close)}" if close else ""
        raise BadInput(f"unknown voice variant {variant!r} in {name!r}{hint}")
    return f"{ident}+{variant}"


def _suggest(key: str, table: dict[str, str]) -> str:
    """Names close in spelling, the short ones people type (codes, language names) first."""
    last = key.rsplit("/", 1)[-1]
    close = difflib.get_close_matches(key, list(table), n=8, cutoff=0.6)
    if last in table and last not in close:
        close.insert(0, last)
    close = sorted(dict.fromkeys(close), key=lambda c: ("(" in c or "/" in c, close.index(c)))[:5]
    return f"; did you mean {', '.join(close)}?" if close else ""


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


def write_wav(pcm: bytes, rate: int, dest: Path) -> None:
    """Write atomically (temp file + rename): a reader, or a crash, never leaves half a file."""
    import wave

    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as f, wave.open(f, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def render_to(text: str, voice: str, rate: int, dest: Path) -> None:
    if not text.strip():
        raise VoiceguideError("nothing to say: the line is empty")
    pcm, sample_rate = synthesise(text, voice, rate)
    if not pcm:
        raise VoiceguideError(f"the speech engine produced no audio for {text[:40]!r}")
    write_wav(pcm, sample_rate, dest)


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
                    dest = self.cache.path_for(text, self.voice, self.rate)
                    render_to(text, self.voice, self.rate, dest)
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
    anytime = [lines.paused, lines.confirm_stop, lines.spoken_help, lines.stopped, lines.carry_on]
    closing = [lines.closing, lines.first_step, lines.mic_lost, lines.mic_back]
    ordered = steps[:1] + anytime + steps[1:] + closing
    out: list[str] = []
    seen: set[str] = set()
    for text in ordered:
        if text.strip() and text not in seen:
            seen.add(text)
            out.append(text)
    return out
