"""Privacy: a whole session with voice on, speaking aloud on the virtual sound card while Korean
speech plays into the microphone, opens no network connection and writes no audio anywhere but the
speech cache. Every system call of the real `python -m voiceguide play` process (and its threads and
children) that touches the network or creates, writes or renames a file is logged by strace."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.listen_real import corpus, korean_model
from tests.pulse import VirtualSoundCard
from voiceguide.lang import load_pack

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent / "data"
SYSCALLS = ("network,open,openat,openat2,creat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,"
            "mknod,mknodat,truncate")
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
AUDIO_SUFFIXES = (".wav", ".raw", ".pcm", ".flac", ".ogg", ".mp3", ".opus")
LOOPBACK = ('inet_addr("127.', 'inet_pton(AF_INET6, "::1"')
CALL = re.compile(r"^(\w+)\((.*)\)\s+=\s+(-?\d+)")


def strace_works() -> str | None:
    """Why strace cannot be used here, or None."""
    if shutil.which("strace") is None:
        return "strace is not installed (scripts/setup.sh and CI install it)"
    probe = subprocess.run(["strace", "-qq", "-e", "trace=none", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"strace cannot trace here: {probe.stderr.strip()[:200]}"
    return None


def quoted(args: str) -> list[str]:
    return re.findall(r'"((?:[^"\\]|\\.)*)"', args)


def audit(files: list[Path], cwd: Path) -> tuple[list[str], list[str], list[str]]:
    """(network problems, paths written, successful AF_UNIX connections) from strace -ff output."""
    network, written, unix = [], [], []
    for log in files:
        for line in log.read_text(errors="replace").splitlines():
            m = CALL.match(line)
            if m is None:
                continue
            name, args, result = m.group(1), m.group(2), int(m.group(3))
            if name == "socket":
                family = args.split(",")[0]
                if family not in ("AF_UNIX", "AF_LOCAL", "AF_NETLINK", "AF_INET", "AF_INET6"):
                    network.append(line)
            elif name in ("connect", "sendto", "sendmsg", "sendmmsg"):
                if "sa_family=AF_INET" in args:
                    network.append(line)
                elif name == "connect" and result == 0 and "sa_family=AF_UNIX" in args:
                    unix += quoted(args)
            elif name in ("listen", "accept", "accept4"):
                network.append(line)
            elif name == "bind" and "sa_family=AF_INET" in args and not any(lo in args for lo in LOOPBACK):
                network.append(line)
            elif result < 0:
                continue  # a failed open or rename wrote nothing
            elif name in ("open", "openat", "openat2"):
                flags = args.rsplit('"', 1)[-1]  # what comes after the path
                if any(f in flags for f in WRITE_FLAGS):
                    written += quoted(args)[:1]
            elif name in ("creat", "truncate", "mknod", "mknodat"):
                written += quoted(args)[:1]
            elif name in ("rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat"):
                written += quoted(args)[-1:]  # where it ends up
    resolved = [str(p if Path(p).is_absolute() else cwd / p) for p in written]
    return network, resolved, unix


def audit_hook_log(log: Path, cwd: Path) -> tuple[list[str], list[str], list[str]]:
    """The same triple from tests/audit_hook's log (Python-level calls only)."""
    import json
    import socket

    inet = (int(socket.AF_INET), int(socket.AF_INET6))
    network, written, unix = [], [], []
    for line in log.read_text().splitlines():
        event, args = json.loads(line)
        if event == "socket.getaddrinfo":
            network.append(line)
        elif event == "socket.__new__" and args[0] not in inet + (int(socket.AF_UNIX), None):
            network.append(line)
        elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            if args[0] in inet:
                network.append(line)
            elif event == "socket.connect":
                unix.append(args[1])
        elif event == "socket.bind" and args[0] in inet and "::1" not in args[1] and "127." not in args[1]:
            network.append(line)
        elif event == "open":
            written.append(args[0])
        elif event in ("os.rename", "os.replace", "os.link", "os.symlink"):
            written.append(args[1])
        elif event == "os.truncate":
            written.append(args[0])
    resolved = [str(p if Path(p).is_absolute() else cwd / p) for p in written]
    return network, resolved, unix


def watched(cmd: list[str], env: dict[str, str], logs: Path, use_strace: bool) -> list[str]:
    """`cmd` run so that what it opens, writes and connects to is logged into `logs`: under strace
    where strace works, else with the audit hook (which `env` is given)."""
    if use_strace:
        return ["strace", "-f", "-ff", "-qq", "-s", "4096", "-e", "signal=none", "-e", f"trace={SYSCALLS}",
                "-o", str(logs / "st"), *cmd]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent / "audit_hook"), env.get("PYTHONPATH")]))
    env["VOICEGUIDE_AUDIT_LOG"] = str(logs / "audit.jsonl")
    return cmd


def what_it_did(logs: Path, cwd: Path, use_strace: bool) -> tuple[list[str], list[str], list[str]]:
    """(network activity, files written, unix sockets) from what `watched` logged."""
    if use_strace:
        return audit(sorted(p for p in logs.iterdir() if p.name.startswith("st")), cwd)
    return audit_hook_log(logs / "audit.jsonl", cwd)

def test_a_voice_session_opens_no_network_connection_and_writes_audio_only_to_the_speech_cache(
        tmp_path: Path, private_dirs: Path, speech_cache: Path) -> None:
    """With strace every system call is seen; where strace cannot trace, an audit hook in the
    process sees Python's own calls (a weaker check, but not none)."""
    korean_model()
    import os

    use_strace = strace_works() is None

    with VirtualSoundCard(tmp_path / "card") as card:
        env = card.env
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # bytecode caches are Python's writes, not the session's
        views = tmp_path / "model-views"  # empty: the session makes the model's grammar view, and is seen
        env["VOICEGUIDE_MODEL_CACHE"] = str(views)
        work = tmp_path / "work"
        work.mkdir()
        trace = work / "trace.jsonl"
        logs = tmp_path / "strace"
        logs.mkdir()
        talk = tmp_path / "talk.wav"  # what the couple says: written by the test, before the session
        import numpy as np

        corpus.write_wav(talk, np.concatenate([corpus.synth("오늘 회사에서 정말 힘든 일이 있었어").audio,
                                               corpus.silence(0.5), corpus.synth("그래 알았어", "ko+f3").audio]))
        cmd = [sys.executable, "-m", "voiceguide", "play", str(DATA / "ko-short.yaml"),
               "--listen", "--time-scale", "10", "--trace", str(trace)]
        cmd = watched(cmd, env, logs, use_strace)
        proc = subprocess.Popen(cmd, env=env, cwd=work, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8")
        speaking = threading.Thread(target=lambda: [card.play_into_mic(talk) for _ in range(3)], daemon=True)
        speaking.start()
        try:
            out, err = proc.communicate("next\nnext\n", timeout=150)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        speaking.join(60)
    assert proc.returncode == 0, err
    assert "session completed" in err
    assert "Traceback" not in err
    assert not [code for code in ("en", "ko") if load_pack(code).lines.no_model in err]  # voice was on

    network, written, unix = what_it_did(logs, work, use_strace)
    if use_strace:
        assert any(p.endswith("/pulse/native") for p in unix)  # it did talk to the sound server (and only that)
    assert network == [], "network activity:\n" + "\n".join(network)

    cache = str(speech_cache) + os.sep
    history_dir = str(private_dirs / "xdg_data_home" / "voiceguide") + os.sep
    pulse_dirs = tuple(str(Path(d) / "pulse") + os.sep for d in (private_dirs / "xdg_config_home", card.home / ".config"))
    # the model's grammar view (voiceguide/listen/modelview.py): its word list, an empty Gr.fst, its
    # stamp, links to the model's own files, and the folder itself, renamed into place
    view_names = {"words.txt", "Gr.fst", "stamp"} | {p.name for p in korean_model().rglob("*")}
    allowed = []
    for path in written:
        if path.startswith(cache) or path == str(trace) or path.startswith("/dev/"):
            continue
        if path.startswith(str(views) + os.sep) and (Path(path).name in view_names or Path(path).parent == views):
            continue
        if Path(path).parent == views / "proofs":  # the proof that the model loads (voiceguide/listen/probe.py)
            continue
        if path.startswith(history_dir) and Path(path).name.startswith("history"):
            continue
        if path.startswith(pulse_dirs) and Path(path).name == "cookie":
            continue  # the sound server's client cookie (a random key, made by libpulse)
        allowed.append(path)
    assert allowed == [], "written outside the speech cache, the history and the trace:\n" + "\n".join(allowed)
    audio_out = [p for p in written if p.lower().endswith(AUDIO_SUFFIXES) and not p.startswith(cache)]
    assert audio_out == []
    assert any(p.startswith(cache) for p in written)  # the audit saw the writes it allows
    assert any(p.endswith("words.txt") for p in written)
    assert any(p == str(trace) for p in written)


def test_the_audit_sees_connections_and_writes(tmp_path: Path) -> None:
    log = tmp_path / "st.1"
    log.write_text("\n".join([
        'socket(AF_INET6, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 11',
        'bind(11, {sa_family=AF_INET6, sin6_port=htons(0), inet_pton(AF_INET6, "::1", &sin6_addr)}, 28) = 0',
        'connect(5, {sa_family=AF_UNIX, sun_path="/run/pulse/native"}, 110) = 0',
        'connect(7, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("1.2.3.4")}, 16) = -1 EINPROGRESS',
        'openat(AT_FDCWD, "/data/mic, take 1.wav", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 3',
        'openat(AT_FDCWD, "/usr/lib/x.so", O_RDONLY|O_CLOEXEC) = 4',
        'openat(AT_FDCWD, "/dev/dsp", O_WRONLY) = -1 ENOENT (No such file or directory)',
        'rename("/cache/a.part", "/cache/a.wav") = 0',
        'openat(AT_FDCWD, "rel.raw", O_RDWR|O_CREAT, 0600) = 5',
    ]) + "\n")
    network, written, unix = audit([log], Path("/work"))
    assert network == [line for line in log.read_text().splitlines() if "1.2.3.4" in line]
    assert written == ["/data/mic, take 1.wav", "/cache/a.wav", "/work/rel.raw"]
    assert unix == ["/run/pulse/native"]


def test_the_audit_hook_sees_what_python_does(tmp_path: Path) -> None:
    """The fallback's hook, in a real interpreter: a connection attempt and a write are caught."""
    import os

    log = tmp_path / "audit.jsonl"
    code = ("import socket, urllib3; s = socket.socket(); s.settimeout(0.01)\n"
            "try: s.connect(('192.0.2.1', 9))\nexcept OSError: pass\n"
            "open('out.wav', 'wb').write(b'x'); open(__file__ if False else 'in.txt', 'w').close()\n"
            "open('/dev/null').read()")
    env = dict(os.environ, VOICEGUIDE_AUDIT_LOG=str(log),
               PYTHONPATH=str(Path(__file__).parent / "audit_hook"))
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, timeout=60)
    network, written, _ = audit_hook_log(log, tmp_path)
    assert len(network) == 1 and "192.0.2.1" in network[0]
    assert written == [str(tmp_path / "out.wav"), str(tmp_path / "in.txt")]
