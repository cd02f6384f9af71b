"""The listening thread: audio blocks → one recogniser → acceptance rules → Command events."""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from voiceguide.brief import brief
from voiceguide.errors import VoiceguideError
from voiceguide.listen.accept import Acceptor, Decision
from voiceguide.listen.denoise import Denoiser
from voiceguide.listen.recognizer import Hypothesis, Recognizer
from voiceguide.listen.source import AudioSource


def level_db(pcm: bytes) -> float:
    """RMS level of 16-bit PCM in dBFS (-100 for digital silence)."""
    import numpy as np

    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
    if x.size == 0:
        return -100.0
    rms = math.sqrt(float(np.mean(x * x))) / 32768.0
    return 20.0 * math.log10(rms) if rms > 1e-5 else -100.0


class Highpass:
    """Removes rumble below `cutoff_hz` (fans, traffic, handling noise) before level and recognition:
    room noise has most of its energy low, speech carries its words higher up."""

    def __init__(self, rate: int, cutoff_hz: float = 150.0) -> None:
        from scipy.signal import butter, sosfilt_zi

        self._sos = butter(4, cutoff_hz, btype="highpass", fs=rate, output="sos")
        self._zi = sosfilt_zi(self._sos) * 0.0

    def __call__(self, pcm: bytes) -> bytes:
        import numpy as np
        from scipy.signal import sosfilt

        x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
        y, self._zi = sosfilt(self._sos, x, zi=self._zi)
        return np.clip(y, -32768, 32767).astype(np.int16).tobytes()


class Listener:
    """Runs in its own thread. The recogniser is made there too (`make_recognizer(rate)` loads the
    model, which takes seconds), so a session can start speaking while the model loads.

    With `reconnect` (a session), a live source (a microphone: `source.live`) that cannot be opened,
    fails or falls silent (no block for `stall_s`) is waited for: `on_lost(reason)` is called once,
    the stream is closed, and opening it is tried again every `retry_s` (waiting, not spinning); when
    blocks flow again, `on_back()`. Without it (listen, mic-test) a microphone that cannot be opened
    is an error at once and one that ends just ends, like a file."""

    def __init__(
        self,
        source: AudioSource,
        make_recognizer: Callable[[int], Recognizer],
        acceptor: Acceptor,
        on_decision: Callable[[Decision], None],
        *,
        on_error: Callable[[VoiceguideError], None] | None = None,
        on_level: Callable[[float, float], None] | None = None,
        on_hypothesis: Callable[[Hypothesis, float], None] | None = None,
        on_lost: Callable[[str], None] | None = None,
        on_back: Callable[[], None] | None = None,
        on_talk: Callable[[float], None] | None = None,
        highpass: bool = True,
        denoise: bool = True,
        reconnect: bool = False,
        retry_s: float = 2.0,
        stall_s: float = 3.0,
        second_opinion: Any = None,
    ) -> None:
        self.highpass = highpass
        self.denoise = denoise
        self.source = source
        self.make_recognizer = make_recognizer
        self.acceptor = acceptor
        self.on_decision = on_decision
        self.on_error = on_error
        self.on_level = on_level
        self.on_hypothesis = on_hypothesis
        self.on_lost = on_lost
        self.on_back = on_back
        self.on_talk = on_talk  # sound began (an utterance), at this time of the audio
        self.reconnect = reconnect
        self.retry_s = retry_s
        self.stall_s = stall_s
        self.second_opinion = second_opinion  # voiceguide.enroll.opinion.Veto: reviews accepted commands
        self.ready = threading.Event()  # the model is loaded and audio flows
        self.done = threading.Event()
        self.error: VoiceguideError | None = None
        # (stream generation, block); None as the block: that stream ended. A late end from a
        # stream already given up on carries an old generation and is ignored.
        self._queue: queue.Queue[tuple[int, bytes | None]] = queue.Queue()
        self._generation = 0
        self._stopping = threading.Event()
        self._loading = False  # the model is loading (the source is not open yet)
        self._thread: threading.Thread | None = None
        self._vocabulary: tuple[Mapping[str, Sequence[str]], Sequence[str], Mapping[str, Sequence[str]]] | None = None
        self._vocabulary_lock = threading.Lock()

    def set_vocabulary(
        self,
        commands: Mapping[str, Sequence[str]],
        distractors: Sequence[str],
        optional: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """What can be said from now on (the menu adds exercise titles for its moment only).
        `optional` phrases (titles) are left out when the model lacks one of their words; a
        command phrase it lacks is an error. Applied by the listening thread between two blocks."""
        with self._vocabulary_lock:
            self._vocabulary = (commands, distractors, optional or {})

    def _apply_vocabulary(self, rec: Recognizer, t: float) -> None:
        """A vocabulary change ends the utterance that was open (the recogniser drops its words):
        it was said in the moment before, and what is left of it is not a command on its own."""
        with self._vocabulary_lock:
            change, self._vocabulary = self._vocabulary, None
        if change is None:
            return
        required, distractors, optional = change
        known = getattr(rec, "known", lambda phrase: True)
        commands = {name: list(said) for name, said in required.items()}
        for name, said in optional.items():
            usable = [p for p in said if known(p)]
            if usable:
                commands.setdefault(name, []).extend(usable)
        phrases = [p for said in commands.values() for p in said]
        set_phrases = getattr(rec, "set_phrases", None)
        if set_phrases is not None:
            set_phrases(phrases, distractors)
        self.acceptor.close(Hypothesis(""), t)
        self.acceptor.set_commands(commands)

    def start(self) -> None:
        self._loading = True  # from now: a stop() right away must not wait for the load either
        self._thread = threading.Thread(target=self._run, name="listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening; the microphone is closed when this returns. While the model is still
        loading nothing is open, so nothing is waited for (a session ended by Ctrl-C or SIGTERM in
        its first seconds must not wait seconds for a load): the thread ends by itself after it."""
        self._stopping.set()
        self._queue.put((-1, None))
        if self._thread is not None and not self._loading:
            self._thread.join(timeout=5)

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)

    def _run(self) -> None:
        """Whatever ends the thread is kept in `error` and handed to `on_error`: a thread that dies
        with a bare exception would print half a stack trace and leave the command or the session
        believing it was still listening."""
        try:
            try:
                self._listen()
            except VoiceguideError:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug or a library failure: reported, not lost
                raise VoiceguideError(f"listening stopped: {type(exc).__name__}: {brief(exc, 200)}") from exc
        except VoiceguideError as exc:
            self.error = exc
            if self.on_error is not None:
                self.on_error(exc)
        finally:
            self.done.set()
            self.ready.set()

    @property
    def _live(self) -> bool:
        return self.reconnect and bool(getattr(self.source, "live", False))

    def _open(self) -> None:
        """Start the source as a new generation; a live source's failure is left to the caller."""
        self._generation += 1
        generation = self._generation
        self.source.start(lambda pcm: self._queue.put((generation, pcm)))

    def _close_source(self) -> None:
        try:
            self.source.stop()
        except Exception:  # a stream that has failed may fail to stop too: it is closed regardless
            pass

    def _reopen(self) -> bool:
        """Try the live source again every `retry_s` until it opens (True) or the listener stops."""
        while not self._stopping.wait(self.retry_s):
            try:
                self._open()
                return True
            except VoiceguideError:
                self._close_source()
        return False

    def _listen(self) -> None:
        try:
            rec = self.make_recognizer(self.source.rate)
        finally:
            self._loading = False
        if self._stopping.is_set():
            return
        rate = self.source.rate
        highpass = Highpass(rate) if self.highpass else None
        denoise = Denoiser(rate) if self.denoise else None
        lost = False  # the live source failed and has not delivered since
        try:
            self._open()
        except VoiceguideError as exc:
            if not self._live:
                raise
            lost = True
            self._lose(str(exc))
            if not self._reopen():
                return
        self.ready.set()
        samples = 0
        recent = None
        if self.second_opinion is not None:
            from voiceguide.enroll.opinion import Recent

            recent = Recent(rate)
        try:
            while True:
                try:
                    generation, pcm = self._queue.get(timeout=self.stall_s if self._live else None)
                except queue.Empty:  # no sound at all: as good as gone
                    lost = self._gone(rec, samples / rate, lost, f"no sound from {self.source.name!r} for {self.stall_s:g} s")
                    if not self._reopen():
                        break
                    continue
                if self._stopping.is_set():
                    break
                if generation != self._generation:
                    continue  # from a stream already given up on
                if pcm is None:
                    failed = getattr(self.source, "error", None)
                    if failed is not None and not self._stopping.is_set():
                        raise failed  # the source's thread died: not an ordinary end
                    if not self._live:
                        break
                    lost = self._gone(rec, samples / rate, lost, f"the stream from {self.source.name!r} ended")
                    if not self._reopen():
                        break
                    continue
                if lost:
                    lost = False
                    if self.on_back is not None:
                        self.on_back()
                if highpass is not None:
                    pcm = highpass(pcm)
                if denoise is not None:
                    pcm = denoise(pcm)
                self._apply_vocabulary(rec, samples / rate)
                n = len(pcm) // 2
                samples += n
                t, block_s = samples / rate, n / rate
                level = level_db(pcm)
                if self.on_level is not None:
                    self.on_level(t, level)
                if recent is not None:
                    recent.add(t, pcm)
                hyp = rec.feed(pcm)
                if self.on_hypothesis is not None:
                    self.on_hypothesis(hyp, t)
                decisions = self.acceptor.step(hyp, t, block_s, level)
                if self.acceptor.over(t) or self.acceptor.idle(t):
                    final = rec.finish()
                    if self.on_hypothesis is not None:
                        self.on_hypothesis(final, t)
                    decisions += self.acceptor.close(final, t)
                for decision in decisions:
                    if recent is not None:
                        decision = self.second_opinion.review(decision, recent)
                    self.on_decision(decision)
                if self.acceptor.began and self.on_talk is not None:  # after: it began after them
                    self.on_talk(t)
            if not self._stopping.is_set() and not lost:
                for decision in self.acceptor.close(rec.finish(), samples / rate):
                    if recent is not None:
                        decision = self.second_opinion.review(decision, recent)
                    self.on_decision(decision)
        finally:
            self._close_source()

    def _gone(self, rec: Recognizer, t: float, lost: bool, reason: str) -> bool:
        """The microphone stopped. The first time, the utterance it cut off cannot be a command and
        the loss is reported once; after that, the failed stream is only closed before the next try."""
        if lost:
            self._close_source()
        else:
            rec.finish()
            self.acceptor.close(Hypothesis(""), t)
            self._lose(reason)
        return True

    def _lose(self, reason: str) -> None:
        self._close_source()
        if self.on_lost is not None:
            self.on_lost(reason)
