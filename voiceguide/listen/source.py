"""Audio in: the microphone, or a WAV file fed through exactly the same path (for tests and checks).

Both deliver 16-bit mono PCM blocks at the source's own rate to `put`, and `None` when they end.
Microphone audio stays in memory: it is never written to disk.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from voiceguide.brief import brief
from voiceguide.errors import BadInput, NoAudioDevice, VoiceguideError

BLOCK_S = 0.05
MIN_RATE = 8_000  # telephone quality: below it, speech has lost what tells the words apart
MAX_RATE = 192_000  # the highest rate sound cards record at
MAX_CHANNELS = 64
Put = Callable[[bytes | None], None]


class AudioSource(Protocol):
    rate: int
    name: str

    def start(self, put: Put) -> None: ...

    def stop(self) -> None: ...


class ThreadedSource:
    """A source that produces its blocks in a thread of its own (`_run`), until the end or `stop`.

    Whatever ends the thread early is kept in `error` (a VoiceguideError saying what went wrong),
    and the stream still ends with `None`: the listener then reports it instead of taking a
    damaged file for a short one."""

    _stop: threading.Event
    _thread: threading.Thread | None = None
    error: VoiceguideError | None = None

    def start(self, put: Put) -> None:
        self._stop = threading.Event()
        self.error = None
        self._thread = threading.Thread(target=self._guarded, args=(put,), name=type(self).__name__, daemon=True)
        self._thread.start()

    def _guarded(self, put: Put) -> None:
        try:
            self._run(put)
        except VoiceguideError as exc:
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - reported by the listener, never lost in a thread
            self.error = VoiceguideError(f"reading {self.name} failed: {type(exc).__name__}: {brief(str(exc))}")
        finally:
            put(None)

    def _run(self, put: Put) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        if self._thread is None:  # never started
            return
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2)


class WavSource(ThreadedSource):
    """A WAV file, in real time (as a microphone would deliver it) or as fast as it can be read.

    Any sample format is taken (16-bit, 24-bit, float), converted to 16-bit as a microphone would
    deliver it; a rate outside MIN_RATE..MAX_RATE is refused before anything is loaded (too low
    breaks the filters, absurdly high makes the recogniser's resampler grow without end)."""

    name: str

    def __init__(self, path: Path, *, realtime: bool = True, block_s: float = BLOCK_S) -> None:
        import soundfile

        from voiceguide.safeio import check_regular

        check_regular(path, what="WAV file")
        try:
            self._info = soundfile.info(str(path))
        except (RuntimeError, OSError) as exc:
            raise BadInput(f"{path}: not a readable sound file ({exc})") from None
        rate = self._info.samplerate
        if not MIN_RATE <= rate <= MAX_RATE:
            raise BadInput(f"{path}: its sample rate, {brief(str(rate))} Hz, is outside {MIN_RATE} to {MAX_RATE} Hz; "
                           f"convert it first, e.g. sox {path} -r 16000 converted.wav")
        if self._info.channels > MAX_CHANNELS:
            raise BadInput(f"{path}: {self._info.channels} channels are more than {MAX_CHANNELS}; "
                           "give a mono or stereo recording")
        self.path = path
        self.rate = int(rate)
        self.name = str(path)
        self.realtime = realtime
        self.block = max(1, int(self.rate * block_s))

    def _run(self, put: Put) -> None:
        import numpy as np
        import soundfile

        t0 = time.monotonic()
        sent = 0
        # read as float and scale: libsndfile reads float samples as whole numbers when asked for
        # 16-bit, and a float file (all within ±1.0) came out as silence
        for block in soundfile.blocks(str(self.path), blocksize=self.block, dtype="float32", always_2d=True):
            if self._stop.is_set():
                break
            mono = block[:, 0] if block.shape[1] == 1 else block.mean(axis=1)
            pcm = np.clip(np.nan_to_num(mono) * 32768.0, -32768, 32767).astype(np.int16)
            sent += len(pcm)
            if self.realtime:
                delay = t0 + sent / self.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            put(pcm.tobytes())


def _no_microphone(sd, device: str | int | None) -> str:  # type: ignore[no-untyped-def]
    """Said in our words and pointing to our own list: PortAudio's ("Error querying device -1")
    means nothing to the couple, and `voiceguide devices` marks the microphones too."""
    try:
        any_input = any(d.get("max_input_channels", 0) > 0 for d in sd.query_devices())
    except sd.PortAudioError:
        any_input = False
    if not any_input:
        looked = f" (looked for {device!r})" if device is not None else ""
        return f"no microphone found{looked}; see 'voiceguide devices'"
    if device is None:
        return "no default microphone; choose one with --input-device (see 'voiceguide devices')"
    return f"no microphone {device!r} on this machine; see 'voiceguide devices' for the names"


class MicSource:
    """A sounddevice input stream at the device's own rate, mono, in small blocks. Live: the
    listener treats its end as the microphone going away, and may start it again. While `put` runs,
    `arrived` is when the block it was given arrived (PortAudio stream time, the clock the sound
    output's blocks are stamped with: see voiceguide.listen.echo)."""

    live = True
    arrived = 0.0

    def __init__(self, device: str | int | None = None, *, block_s: float = BLOCK_S) -> None:
        import sounddevice as sd

        if isinstance(device, str) and device.isdigit():
            device = int(device)
        try:
            info = sd.query_devices(device, kind="input")
        except (ValueError, OverflowError, sd.PortAudioError):  # OverflowError: a number too large
            raise NoAudioDevice(_no_microphone(sd, device)) from None
        self.device = device
        self.name = str(info["name"])
        self.rate = int(info["default_samplerate"])
        self.block = max(1, int(self.rate * block_s))
        self._stream = None

    def start(self, put: Put) -> None:
        import sounddevice as sd

        self.stop()  # never two streams at once

        def callback(indata, frames, when, status):  # type: ignore[no-untyped-def]
            self.arrived = when.currentTime
            put(bytes(indata))

        try:
            self._stream = sd.RawInputStream(
                device=self.device, samplerate=self.rate, channels=1, dtype="int16",
                blocksize=self.block, callback=callback, latency="low",  # a command is heard sooner
                finished_callback=lambda: put(None),
            )
            self._stream.start()
        except sd.PortAudioError as exc:
            self.stop()
            raise NoAudioDevice(f"cannot open the microphone {self.name!r}: {exc}") from None

    def stop(self) -> None:
        """Close the stream, even one that has failed (its stop may fail too)."""
        import sounddevice as sd

        if self._stream is not None:
            stream, self._stream = self._stream, None
            try:
                stream.stop()
            except sd.PortAudioError:
                pass
            finally:
                stream.close(ignore_errors=True)
