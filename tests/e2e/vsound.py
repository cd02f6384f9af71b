"""A virtual sound card for tests: a private PulseAudio daemon, started as our child process.

`vspeaker` is the default output, `vmic` (fed by `vmicsink`) the default input; the silence loopbacks
keep both streams running in real time (see the field notes)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path


class VirtualSoundCard:
    def __init__(self, root: Path) -> None:
        if shutil.which("pulseaudio") is None or shutil.which("paplay") is None:
            raise FileNotFoundError("pulseaudio and pulseaudio-utils are not installed (CI installs them)")
        self.root = root
        home, runtime = root / "home", root / "run"
        home.mkdir(parents=True)
        runtime.mkdir(mode=0o700)
        self.env = dict(os.environ, HOME=str(home), XDG_RUNTIME_DIR=str(runtime),
                        PULSE_SERVER=f"unix:{runtime}/pulse/native")
        self.env.pop("PULSE_LATENCY_MSEC", None)
        self.proc = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
             "-L", "module-native-protocol-unix",
             "-L", "module-null-sink sink_name=vspeaker rate=16000 channels=1",
             "-L", "module-null-sink sink_name=vmicsink rate=16000 channels=1",
             "-L", "module-remap-source source_name=vmic master=vmicsink.monitor",
             "-L", "module-null-source source_name=silence rate=16000 channels=1",
             "-L", "module-loopback source=silence sink=vmicsink latency_msec=20",
             "-L", "module-loopback source=silence sink=vspeaker latency_msec=20",
             "-L", "module-always-sink"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0:
                break
            if self.proc.poll() is not None:
                raise RuntimeError("the PulseAudio daemon exited at start")
            time.sleep(0.1)
        else:
            self.close()
            raise RuntimeError("the PulseAudio daemon did not come up")
        subprocess.run(["pactl", "set-default-source", "vmic"], env=self.env, check=True)
        subprocess.run(["pactl", "set-default-sink", "vspeaker"], env=self.env, check=True)

    def say_into_mic(self, wav: Path) -> None:
        """Someone speaks into the microphone (returns when the clip has played)."""
        subprocess.run(["paplay", "-d", "vmicsink", str(wav)], env=self.env, check=True, timeout=30)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
