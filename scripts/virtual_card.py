"""A virtual sound card for tests and benchmarks: a private PulseAudio daemon, started as a child of the run.

    vspeaker          the default output; what the program plays ends up here
    vspeaker.monitor  record it to hear the program
    vmicsink          play "user speech" into this sink ...
    vmic              ... and it comes out of this source (the default input)

Both null sinks are fed silence by loopbacks, so they deliver samples even when idle (otherwise a
recording stalls and the first 100-200 ms of injected sound are lost). See the field notes.

The daemon has its own HOME and XDG_RUNTIME_DIR; `env` holds what a client needs. Start programs
that use PortAudio (sounddevice) in a subprocess with that env: PortAudio looks for devices once,
when it is first initialised, so a test process that already imported sounddevice would not see
the daemon.

Use the `pulse` fixture from tests/conftest.py, or `with VirtualSoundCard(tmp) as card: ...`.
It lives beside the scripts (scripts/bench_speech.py uses it) and never imports from tests/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import wave
from pathlib import Path
from typing import IO

import numpy as np

RATE = 16000

MODULES = [
    "module-native-protocol-unix",
    f"module-null-sink sink_name=vspeaker rate={RATE} channels=1",
    f"module-null-sink sink_name=vmicsink rate={RATE} channels=1",
    "module-remap-source source_name=vmic master=vmicsink.monitor",
    f"module-null-source source_name=silence rate={RATE} channels=1",
    "module-loopback source=silence sink=vmicsink latency_msec=20",
    "module-loopback source=silence sink=vspeaker latency_msec=20",
    "module-always-sink",
]

TOOLS = ("pulseaudio", "pactl", "pacat", "parecord", "paplay")


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


class VirtualSoundCard:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.home = self.root / "home"
        self.runtime = self.root / "runtime"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.root / "pulseaudio.log"

    @property
    def env(self) -> dict[str, str]:
        """The environment for a client of this daemon (a copy of os.environ plus three names)."""
        env = dict(os.environ)
        env.update(
            HOME=str(self.home),
            XDG_RUNTIME_DIR=str(self.runtime),
            PULSE_SERVER=f"unix:{self.runtime}/pulse/native",
        )
        env.pop("PULSE_LATENCY_MSEC", None)  # aplay froze with it (field notes)
        return env

    def start(self, timeout: float = 10.0) -> VirtualSoundCard:
        self.home.mkdir(parents=True, exist_ok=True)
        self.runtime.mkdir(parents=True, exist_ok=True)
        self.runtime.chmod(0o700)
        args = ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
                "--log-target=stderr"]
        for module in MODULES:
            args += ["-L", module]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(args, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pulseaudio exited ({self.proc.returncode}): {self.log.read_text()[-2000:]}")
            if self.pactl("info", check=False).returncode == 0:
                self.pactl("set-default-sink", "vspeaker")
                self.pactl("set-default-source", "vmic")
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"pulseaudio did not come up in {timeout}s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> VirtualSoundCard:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- clients -----------------------------------------------------------------------------

    def pactl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True, check=check, timeout=10)

    def play_into_mic(self, wav: Path, *, wait: bool = True) -> subprocess.Popen[bytes]:
        """Play a WAV into the virtual microphone (as if someone spoke)."""
        proc = subprocess.Popen(["paplay", "-d", "vmicsink", str(wav)], env=self.env)
        if wait:
            proc.wait(timeout=60)
        return proc

    def record_to_file(self, path: Path) -> subprocess.Popen[bytes]:
        """Record the speaker to a WAV file with parecord; stop it with `stop_process`."""
        return subprocess.Popen(
            ["parecord", "-d", "vspeaker.monitor", f"--rate={RATE}", "--channels=1", "--file-format=wav", str(path)],
            env=self.env,
        )

    def record(self, source: str = "vspeaker.monitor") -> SpeakerRecorder:
        """Record the speaker (or, with source="vmicsink.monitor", what the microphone hears) into
        memory, knowing when each sample arrived (for latency figures)."""
        return SpeakerRecorder(self.env, source).start()


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class SpeakerRecorder:
    """`pacat --record` of vspeaker.monitor as raw 16-bit mono, read by a thread in 10 ms chunks.

    Each chunk's arrival is stamped with time.monotonic(), so a sample's index maps to the moment it
    reached us (`arrival(i)`), which is at most a few tens of ms after it was played."""

    CHUNK = RATE // 100  # frames

    def __init__(self, env: dict[str, str], source: str = "vspeaker.monitor") -> None:
        self.env = env
        self.source = source
        self.proc: subprocess.Popen[bytes] | None = None
        self._chunks: list[bytes] = []
        self._stamps: list[tuple[int, float]] = []  # (frames received so far, monotonic time)
        self._frames = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> SpeakerRecorder:
        self.proc = subprocess.Popen(
            ["pacat", "--record", "-d", self.source, "--raw", "--format=s16le", f"--rate={RATE}",
             "--channels=1", "--latency-msec=10"],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self._thread.start()
        deadline = time.monotonic() + 5
        while self.frames < RATE // 10 and time.monotonic() < deadline:  # running and delivering
            time.sleep(0.01)
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        out: IO[bytes] = self.proc.stdout
        while True:
            data = out.read1(self.CHUNK * 2) if hasattr(out, "read1") else out.read(self.CHUNK * 2)
            if not data:
                return
            now = time.monotonic()
            with self._lock:
                self._chunks.append(data)
                self._frames += len(data) // 2
                self._stamps.append((self._frames, now))

    @property
    def frames(self) -> int:
        with self._lock:
            return self._frames

    def samples(self) -> np.ndarray:
        """Everything recorded so far, as float32 in [-1, 1]."""
        with self._lock:
            raw = b"".join(self._chunks)
        raw = raw[: len(raw) // 2 * 2]
        return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0

    def index_at(self, mono: float) -> int:
        """The index of the first sample that arrived at or after `mono` (monotonic seconds)."""
        lo, hi = 0, self.frames
        while lo < hi:
            mid = (lo + hi) // 2
            if self.arrival(mid) < mono:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def arrival(self, index: int) -> float:
        """When sample `index` reached us (monotonic seconds)."""
        with self._lock:
            stamps = list(self._stamps)
        for frames, t in stamps:
            if frames > index:
                return t - (frames - 1 - index) / RATE
        raise IndexError(index)

    def stop(self) -> np.ndarray:
        if self.proc is not None:
            stop_process(self.proc)  # type: ignore[arg-type]
        self._thread.join(timeout=5)
        return self.samples()

    def save(self, path: Path) -> None:
        pcm = np.round(np.clip(self.samples(), -1, 1) * 32767).astype("<i2")
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(pcm.tobytes())


# ---- reading a recording -----------------------------------------------------------------------


def envelope(samples: np.ndarray, window_s: float = 0.01) -> np.ndarray:
    """Peak level per window."""
    win = max(1, int(window_s * RATE))
    n = len(samples) // win
    return np.abs(samples[: n * win]).reshape(n, win).max(axis=1) if n else np.zeros(0)


def first_sound(samples: np.ndarray, threshold: float = 0.01) -> int | None:
    """Index of the first sample louder than `threshold`, or None."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return int(loud[0]) if len(loud) else None


def segments(samples: np.ndarray, threshold: float = 0.01, min_gap_s: float = 0.3) -> list[tuple[float, float]]:
    """(start, end) seconds of the stretches of sound separated by at least `min_gap_s` of quiet."""
    env = envelope(samples)
    loud = np.flatnonzero(env > threshold)
    out: list[tuple[float, float]] = []
    if not len(loud):
        return out
    start = prev = int(loud[0])
    gap = int(min_gap_s / 0.01)
    for i in loud[1:]:
        if i - prev > gap:
            out.append((start * 0.01, (prev + 1) * 0.01))
            start = int(i)
        prev = int(i)
    out.append((start * 0.01, (prev + 1) * 0.01))
    return out
