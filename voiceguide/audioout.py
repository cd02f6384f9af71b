"""Audio out: one output stream kept open for the whole session, fed by a small mixer.

The device pulls short blocks from `Mixer.fill` on its own thread and keeps a generous buffer
(LATENCY_S), so that a busy machine does not make it underrun. That buffer never delays what
matters: `stop()` empties the mixer and drops the buffer (Device.flush), so the guide falls silent
at once; a sound started after silence drops the buffered silence and starts at once too. A sound
that runs to its end posts PlaybackDone(token) on the bus when its last frame has been heard; a
stopped one posts nothing (see runner.Output).

The device is a small protocol so that tests can pull frames from a fake one and measure, in audio
time, what was heard when.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from voiceguide.errors import NoAudioDevice, VoiceguideError
from voiceguide.events import Chime, PlayClip, PlaybackDone, Playback, Speak
from voiceguide.playstate import PlayState
from voiceguide.runner import Bus
from voiceguide.safeio import check_regular
from voiceguide.script.assets import MAX_CLIP_BYTES, bundled_audio_dir
from voiceguide.termtext import printable

if TYPE_CHECKING:
    import numpy as np

    from voiceguide.speech import Speech

CHIME_FILES = {"start": "chime.wav", "end": "chime.wav", "warn": "chime-soft.wav"}
BLOCKSIZE = 512  # frames per device callback: about 12 ms at 44.1 kHz
# Asked of the device. Generous, so that a busy machine (speech recognition in the same process,
# other programs) does not starve the stream: with 25 ms, a loaded 2-core machine underran every
# few seconds. A stop does not wait for this buffer to drain: it is dropped (Device.flush).
LATENCY_S = 0.1
NO_DEVICE_HINT = "use --text to read the session as text, or see 'voiceguide devices'"
# What `say` offers instead: it has no --text, but it can write the line to a file.
SAY_NO_DEVICE_HINT = "write the line to a file with 'voiceguide say -o FILE.wav', or see 'voiceguide devices'"


def warm_up() -> threading.Thread:
    """Import the decoding and resampling libraries on a thread while the session is being put
    together (they take a good part of the time to the first word), and decode the chimes."""

    def work() -> None:
        try:
            import numpy  # noqa: F401
            import soundfile  # noqa: F401
            import soxr  # noqa: F401
        except ImportError:
            pass  # reported when they are really needed

    thread = threading.Thread(target=work, name="audio-warm-up", daemon=True)
    thread.start()
    return thread


def missing_recordings(plan: Sequence[object]) -> list[str]:
    """One message per recorded line (`say` with `audio:`) whose file has gone since the script
    was checked: those lines are spoken by the synthetic voice instead."""
    seen: list[str] = []
    for step in plan:
        name = getattr(step, "missing_audio", None)
        if name and name not in seen:
            seen.append(name)
    return [f"recorded line {name!r} was not found; the synthetic voice will say it instead" for name in seen]


def chime_path(name: str) -> Path:
    return bundled_audio_dir() / CHIME_FILES[name]


def load_clip(path: Path, rate: int) -> np.ndarray:
    """A sound file as float32 frames × channels at `rate` (resampled with soxr if need be)."""
    import numpy as np
    import soundfile
    import soxr

    try:
        check_regular(Path(path), what="sound file", limit=MAX_CLIP_BYTES)
        data, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (OSError, RuntimeError, soundfile.LibsndfileError) as exc:
        raise VoiceguideError(f"cannot play {path}: {exc}") from None
    if file_rate != rate and len(data):
        data = soxr.resample(data, file_rate, rate).astype(np.float32, copy=False)
    return np.ascontiguousarray(data)


# ---- the mixer ---------------------------------------------------------------------------------


@dataclass
class _Voice:
    samples: np.ndarray  # frames × (1 or device channels)
    token: int
    pos: int = 0


class Mixer:
    """What the device plays: the sounds started and not yet finished or stopped, mixed.

    A sound's end is reported (`on_end`) once its last frame has been heard, not when it leaves
    the mixer: `heard_after` frames later, the depth of the device's buffer. So the session's
    clock (a timer starting after a line, the chime ending a turn) runs on what the couple hears,
    and the listener knows when the guide has really stopped talking.

    `fill` runs on the device's thread and must never block for long: the lock guards a few
    array copies only, and the end-of-sound callback runs after the lock is released."""

    def __init__(self, channels: int, on_end: Callable[[int], None], volume: float = 1.0,
                 heard_after: int = 0) -> None:
        self.channels = channels
        self.on_end = on_end
        self.volume = volume
        self.heard_after = heard_after
        self._voices: list[_Voice] = []
        self._ending: list[tuple[int, int]] = []  # (frames_out when heard to the end, token)
        self._lock = threading.Lock()
        self.frames_out = 0  # frames handed to the device so far (the mixer's audio clock)
        self.silent_frames = sys.maxsize  # frames of silence handed out since the last sound

    def start(self, samples: np.ndarray, token: int) -> None:
        if samples.shape[1] not in (1, self.channels):
            samples = samples.mean(axis=1, keepdims=True)  # e.g. stereo clip on a mono device
        with self._lock:
            self._voices.append(_Voice(samples, token))
            self.silent_frames = 0  # a second sound right after this one must not flush it away

    def stop(self) -> int:
        """Silence everything now (the caller drops the device's buffer too); returns how many
        sounds were cut short, counting those whose last frames were still in the buffer."""
        with self._lock:
            n = len(self._voices) + len(self._ending)
            self._voices.clear()
            self._ending.clear()
            return n

    @property
    def playing(self) -> bool:
        with self._lock:
            return bool(self._voices or self._ending)

    def fill(self, out: np.ndarray) -> None:
        """Write the next len(out) frames into `out` (frames × channels, float32)."""
        out.fill(0.0)
        frames = len(out)
        heard: list[int] = []
        with self._lock:
            self.silent_frames = 0 if self._voices else self.silent_frames + frames
            end_of_block = self.frames_out + frames
            for voice in self._voices:
                chunk = voice.samples[voice.pos : voice.pos + frames]
                out[: len(chunk)] += chunk  # mono broadcasts to every channel
                voice.pos += len(chunk)
                if voice.pos >= len(voice.samples):
                    self._ending.append((end_of_block + self.heard_after, voice.token))
            self._voices = [v for v in self._voices if v.pos < len(v.samples)]
            self.frames_out = end_of_block
            if self._ending:
                heard = [token for due, token in self._ending if due <= self.frames_out]
                self._ending = [(due, token) for due, token in self._ending if due > self.frames_out]
            volume = self.volume
        if volume != 1.0:
            out *= volume
        for token in heard:
            self.on_end(token)


# ---- devices -----------------------------------------------------------------------------------


class Device(Protocol):
    """A sound card output that pulls frames from `fill` on its own thread once started."""

    samplerate: int
    channels: int
    blocksize: int
    latency: float  # seconds between a frame leaving `fill` and it being heard

    def start(self, fill: Callable[[np.ndarray], None]) -> None: ...

    def flush(self, then: Callable[[], None] | None = None) -> None:
        """Drop what is buffered but not yet heard, call `then` (while nothing is pulled), and
        carry on pulling from `fill`, first of all to fill the buffer again."""

    def close(self) -> None: ...


def _sounddevice(hint: str = NO_DEVICE_HINT):  # type: ignore[no-untyped-def]
    try:
        import sounddevice
    except OSError as exc:  # libportaudio missing
        raise NoAudioDevice(f"no audio library ({exc}); {hint}") from None
    return sounddevice


def _device_arg(name: str | None) -> int | str | None:
    if name is None or name == "":
        return None
    return int(name) if name.strip().isdigit() else name


def find_output(name: str | None, hint: str = NO_DEVICE_HINT) -> dict:
    """The device's description from PortAudio, or NoAudioDevice naming the way out (`hint`: what
    the command can do instead). A device named on a machine with no output at all gets the same
    message as no device: what helps then is the way round it, not the name."""
    sd = _sounddevice(hint)
    try:
        info = sd.query_devices(_device_arg(name), "output")
    except (ValueError, OverflowError):  # no such name / index (however large), or not an output
        if not _any_output(sd):
            raise NoAudioDevice(f"no sound output device found (looked for {name!r}); {hint}") from None
        raise NoAudioDevice(f"no output device {name!r} on this machine; {hint}") from None
    except sd.PortAudioError:
        raise NoAudioDevice(f"no sound output device found; {hint}") from None
    if info.get("max_output_channels", 0) < 1:
        raise NoAudioDevice(f"device {info.get('name')!r} has no outputs; {hint}")
    return dict(info)


def _any_output(sd) -> bool:  # type: ignore[no-untyped-def]
    try:
        return any(d.get("max_output_channels", 0) > 0 for d in sd.query_devices())
    except sd.PortAudioError:
        return False


class SoundDevice:
    """The real thing: one sounddevice OutputStream, open from start() to close()."""

    def __init__(self, name: str | None = None, *, blocksize: int = BLOCKSIZE, latency: float = LATENCY_S,
                 hint: str = NO_DEVICE_HINT) -> None:
        info = find_output(name, hint)
        self.hint = hint
        self.info = info
        self.index = info.get("index")
        self.samplerate = int(info["default_samplerate"])
        self.channels = min(2, int(info["max_output_channels"]))
        self.blocksize = blocksize
        self.latency = latency
        self._stream = None
        # Given every block as it is handed to the card, with when it will be heard (PortAudio
        # stream time) and the rate: how the listener takes the guide's voice out of the mic.
        self.tap: Callable[[float, np.ndarray, int], None] | None = None

    def start(self, fill: Callable[[np.ndarray], None]) -> None:
        sd = _sounddevice()

        def callback(outdata, frames, time, status) -> None:  # type: ignore[no-untyped-def]
            fill(outdata)
            tap = self.tap
            if tap is not None:
                tap(time.outputBufferDacTime or time.currentTime, outdata, self.samplerate)

        try:
            self._stream = sd.OutputStream(
                device=self.index,
                samplerate=self.samplerate,
                channels=self.channels,
                dtype="float32",
                blocksize=self.blocksize,
                latency=self.latency,
                callback=callback,
                prime_output_buffers_using_stream_callback=True,
            )
            self._stream.start()
        except sd.PortAudioError as exc:
            raise NoAudioDevice(f"cannot open the sound output ({exc}); {self.hint}") from None
        self.latency = float(self._stream.latency)

    def flush(self, then: Callable[[], None] | None = None) -> None:
        """Abort (which discards the buffered audio, unlike stop) and start again; the stream
        primes its buffer from the callback, so a sound queued by `then` is heard at once."""
        stream = self._stream
        if stream is None:
            if then is not None:
                then()
            return
        sd = _sounddevice()
        try:
            stream.abort()
            if then is not None:
                then()
            stream.start()
        except sd.PortAudioError as exc:
            raise NoAudioDevice(f"the sound output failed ({exc}); {self.hint}") from None

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # noqa: BLE001 - closing a vanished device must not hide the real error
                pass


def list_devices() -> list[dict]:
    """Every device PortAudio sees, with `default_output`/`default_input` marks."""
    sd = _sounddevice()
    try:
        devices = [dict(d) for d in sd.query_devices()]
    except sd.PortAudioError:
        return []
    try:
        default_in, default_out = sd.default.device
    except (TypeError, ValueError):
        default_in = default_out = -1
    for d in devices:
        d["default_output"] = d["index"] == default_out
        d["default_input"] = d["index"] == default_in
    return devices


# ---- the session's output ----------------------------------------------------------------------


class AudioOutput:
    """runner.Output that sounds through a Device: speech (rendered by Speech), clips and chimes."""

    def __init__(
        self,
        bus: Bus,
        device: Device,
        speech: Speech | None,
        *,
        volume: float = 1.0,
        playstate: PlayState | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.bus = bus
        self.device = device
        self.speech = speech
        self.playstate = playstate or PlayState()
        self.warn = warn or (lambda message: print(f"voiceguide: {printable(message)}", file=sys.stderr, flush=True))
        self.mixer = Mixer(device.channels, self._ended, volume)
        self._lock = threading.Lock()
        self._generation = 0  # bumped by stop(): a line still rendering must not start afterwards
        self._clips: OrderedDict[Path, np.ndarray] = OrderedDict()
        self._clips_lock = threading.Lock()  # play() runs on the session thread, rendered lines start on the speech thread
        self._warned: set[Path] = set()
        device.start(self.mixer.fill)
        # how far the mixer runs ahead of the ear (known once the stream is open)
        self._buffer_frames = int(device.latency * device.samplerate) + 2 * device.blocksize
        self.mixer.heard_after = self._buffer_frames

    @property
    def volume(self) -> float:
        return self.mixer.volume

    @volume.setter
    def volume(self, value: float) -> None:
        self.mixer.volume = max(0.0, min(1.0, value))

    # ---- runner.Output -----------------------------------------------------------------------

    def play(self, sound: Playback) -> None:
        with self._lock:
            generation = self._generation
        if isinstance(sound, Chime):
            self._start(chime_path(sound.name), sound.token, generation)
        elif isinstance(sound, PlayClip):
            self._start(sound.path, sound.token, generation)
        elif isinstance(sound, Speak):
            self._speak(sound, generation)

    def stop(self) -> None:
        with self._lock:
            self._generation += 1
            cut = self.mixer.stop()
            if cut:
                self.device.flush()  # what is already buffered must not be heard either
                self.mixer.silent_frames = sys.maxsize  # the buffer now holds only silence
        for _ in range(cut):
            self.playstate.end()

    def close(self) -> None:
        self.stop()
        self.device.close()

    # ---- inside ------------------------------------------------------------------------------

    def _speak(self, sound: Speak, generation: int) -> None:
        if sound.audio is not None:
            if sound.audio.is_file():
                self._start(sound.audio, sound.token, generation, sound.text)
                return
            if sound.audio not in self._warned:
                self._warned.add(sound.audio)
                self.warn(f"recorded line {sound.audio} has gone; speaking it with the synthetic voice instead")
        if not sound.text.strip() or self.speech is None:
            self.bus.post(PlaybackDone(sound.token))
            return

        def rendered(path: Path | None, error: BaseException | None) -> None:
            if error is not None or path is None:
                self.warn(str(error))
                with self._lock:
                    current = generation == self._generation
                if current:
                    self.bus.post(PlaybackDone(sound.token))
                return
            self._start(path, sound.token, generation, sound.text)

        self.speech.request(sound.text, rendered)

    def _load(self, path: Path) -> np.ndarray:
        """Decoded and resampled; the last few are kept (chimes come back every turn)."""
        with self._clips_lock:
            clip = self._clips.get(path)
            if clip is not None:
                self._clips.move_to_end(path)
                return clip
        clip = load_clip(path, self.device.samplerate)
        with self._clips_lock:
            self._clips[path] = clip
            while len(self._clips) > 8:
                self._clips.popitem(last=False)
        return clip

    def _start(self, path: Path, token: int, generation: int, text: str | None = None) -> None:
        try:
            samples = self._load(path)
        except VoiceguideError as exc:
            self.warn(str(exc))
            self.bus.post(PlaybackDone(token))
            return
        with self._lock:
            if generation != self._generation:
                return  # stopped while this was being prepared
            self.playstate.begin(text)
            if self.mixer.silent_frames >= self._buffer_frames:
                # the device buffer holds nothing but silence (the last sound has been heard to
                # its end): drop it, so this sound starts now rather than behind it
                self.device.flush(lambda: self.mixer.start(samples, token))
            else:
                self.mixer.start(samples, token)  # overlapping a sound still being heard

    def _ended(self, token: int) -> None:
        """On the device thread: a sound ran to its end."""
        self.playstate.end()
        self.bus.post(PlaybackDone(token))
