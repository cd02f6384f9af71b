"""The microphone going away mid-session and coming back: said once, retried calmly, no stream leaked."""

from __future__ import annotations

import time

import pytest

from tests.fakes import FakeRecognizer, FlakySource, Utterance
from voiceguide.events import Announce, Command
from voiceguide.lang import load_pack
from voiceguide.listen.accept import Acceptor
from voiceguide.listen.listener import Listener
from voiceguide.runner import Bus, RealClock

KO = load_pack("ko")


def listen(source: FlakySource, utterances: list[Utterance], *, until, retry_s: float = 0.1,  # type: ignore[no-untyped-def]
           stall_s: float = 0.3, timeout: float = 10.0):
    events: list = []
    listener = Listener(source, lambda rate: FakeRecognizer(utterances), Acceptor(KO.commands),
                        lambda d: events.append(("decision", d)), highpass=False, denoise=False,
                        on_lost=lambda reason: events.append(("lost", reason)),
                        on_back=lambda: events.append(("back", None)), reconnect=True, retry_s=retry_s,
                        stall_s=stall_s)
    listener.start()
    deadline = time.monotonic() + timeout
    while not until(events) and time.monotonic() < deadline:
        time.sleep(0.01)
    listener.stop()
    assert listener.error is None
    return events


def kinds(events) -> list[str]:  # type: ignore[no-untyped-def]
    return [k if k != "decision" else f"{'accept' if v.accepted else 'reject'} {v.name}" for k, v in events]


def test_a_stream_that_ends_is_lost_once_retried_and_picked_up_again() -> None:
    words = [Utterance(3.0, 3.4, "다음")]  # said after the microphone came back (audio time)
    source = FlakySource([(2.0, "end"), "fail", "fail", "fail", (3.0, "stall")], words)
    events = listen(source, words, until=lambda ev: any(k == "decision" for k, _ in ev))
    assert kinds(events) == ["lost", "back", "accept next"]
    assert "ended" in events[0][1]
    gaps = [b - a for a, b in zip(source.starts, source.starts[1:])]
    assert len(gaps) == 4 and all(g >= 0.09 for g in gaps)  # tried every retry_s, not in a spin
    assert source.max_open == 1 and source.open == 0  # never two streams, none left open


def test_a_silent_stream_counts_as_lost_and_is_reopened() -> None:
    source = FlakySource([(1.0, "stall"), (1.0, "stall")])
    events = listen(source, [], until=lambda ev: ("back", None) in ev)
    assert kinds(events) == ["lost", "back"]
    assert "no sound" in events[0][1]
    assert source.max_open == 1 and source.open == 0


def test_a_command_cut_off_by_the_failure_is_not_taken() -> None:
    words = [Utterance(1.8, 2.2, "다음")]  # the stream dies in the middle of the word
    source = FlakySource([(2.0, "end"), (3.0, "stall")], words)
    events = listen(source, words, until=lambda ev: ("back", None) in ev and len(source.starts) >= 2)
    time.sleep(0.2)
    assert "accept next" not in kinds(events)


def test_a_microphone_that_cannot_be_opened_at_first_is_waited_for() -> None:
    source = FlakySource(["fail", "fail", (1.0, "stall")])
    events = listen(source, [], until=lambda ev: ("back", None) in ev)
    assert kinds(events) == ["lost", "back"]
    assert "cannot open" in events[0][1]


def test_without_reconnect_a_microphone_that_cannot_be_opened_is_an_error_at_once() -> None:
    from voiceguide.errors import NoAudioDevice

    source = FlakySource(["fail", (1.0, "stall")])
    listener = Listener(source, lambda rate: FakeRecognizer([]), Acceptor(KO.commands), print,
                        highpass=False, denoise=False)
    listener.start()
    assert listener.wait(5)
    assert isinstance(listener.error, NoAudioDevice) and len(source.starts) == 1


def test_a_wav_file_just_ends() -> None:
    from tests.fakes import FakeSource

    source = FakeSource([], 1.0)
    events: list = []
    listener = Listener(source, lambda rate: FakeRecognizer([]), Acceptor(KO.commands), events.append,
                        highpass=False, denoise=False, on_lost=events.append, reconnect=True, stall_s=0.1)
    listener.start()
    assert listener.wait(5)
    assert events == []


def test_the_session_says_lost_and_back_once_each_and_takes_commands_again() -> None:
    import voiceguide.listen.build as build
    from voiceguide.session import SessionParts, attach_listener
    from voiceguide.settings import Settings

    bus = Bus(RealClock())
    parts = SessionParts(None, KO, (), None, bus, None)  # type: ignore[arg-type]
    words = [Utterance(3.0, 3.4, "다음")]
    source = FlakySource([(2.0, "end"), "fail", (3.0, "stall")], words)
    said: list[str] = []
    original = build.make_listener

    def quick(*args, **kw):  # type: ignore[no-untyped-def]
        listener = original(*args, **kw)
        listener.retry_s, listener.highpass, listener.denoise = 0.1, False, False
        return listener

    build.make_listener = quick  # type: ignore[assignment]
    original_factory = build.recognizer_factory
    build.recognizer_factory = lambda pack, path: (lambda rate: FakeRecognizer(words))  # type: ignore[assignment]
    try:
        assert attach_listener(parts, Settings(model=__file__), source=source, warn=said.append)
        events = [bus.queue.get(timeout=5) for _ in range(3)]
        parts.closers[-1]()
    finally:
        build.make_listener = original  # type: ignore[assignment]
        build.recognizer_factory = original_factory  # type: ignore[assignment]
    assert events == [Announce(KO.lines.mic_lost), Announce(KO.lines.mic_back),
                      Command("next", source="voice", text="다음")]
    assert said[0].startswith(KO.lines.mic_lost) and "ended" in said[0]
    assert said[1:] == [KO.lines.mic_back]
    assert bus.queue.empty()
    assert source.open == 0


def test_no_model_is_said_once_aloud_and_on_stderr(tmp_path, monkeypatch) -> None:
    from tests.fakes import FakeSource
    from voiceguide.session import SessionParts, attach_listener
    from voiceguide.settings import Settings

    monkeypatch.setattr("voiceguide.models.data_dir", lambda: tmp_path / "none")
    monkeypatch.setattr("voiceguide.models._package_model", lambda lang: None)
    said: list[str] = []
    bus = Bus(RealClock())
    parts = SessionParts(None, KO, (), None, bus, None)  # type: ignore[arg-type]
    assert not attach_listener(parts, Settings(), source=FakeSource([], 1.0), warn=said.append)
    assert len(said) == 1 and said[0].startswith(KO.lines.no_model)
    assert "voiceguide model download ko" in said[0]  # the way out, on stderr
    assert bus.queue.get_nowait() == Announce(KO.lines.no_model)  # spoken: nothing technical
    assert bus.queue.empty()


@pytest.mark.parametrize("code", ["en", "ko"])
def test_the_spoken_no_model_line_is_one_plain_sentence(code: str) -> None:
    """It is heard, not read: no command to type, no placeholder, no path, and short."""
    line = load_pack(code).lines.no_model
    assert not any(mark in line for mark in ("{", "(", "/", "voiceguide", "model", "download", "--"))
    assert len(line) <= 40 and line.count(".") == 1 and line.endswith(".")
    assert not [w for w in load_pack(code).command_words() if w in line.lower()]  # the listener hears the guide


def test_a_corrupt_model_is_said_once_aloud_and_on_stderr(tmp_path) -> None:
    from tests.fakes import FakeSource
    from voiceguide.session import SessionParts, attach_listener
    from voiceguide.settings import Settings

    bad = tmp_path / "model"
    (bad / "am").mkdir(parents=True)
    (bad / "am" / "final.mdl").write_bytes(b"not a model")
    (bad / "conf").mkdir()
    said: list[str] = []
    bus = Bus(RealClock())
    parts = SessionParts(None, KO, (), None, bus, None)  # type: ignore[arg-type]
    started = attach_listener(parts, Settings(model=str(bad)), source=FakeSource([], 1.0), warn=said.append)
    event = bus.queue.get(timeout=20)
    for closer in parts.closers:
        closer()
    assert isinstance(event, Announce) and event.text == KO.lines.no_model
    assert said[0].startswith(KO.lines.no_model) and "damaged" in said[0]  # why, on stderr only
    assert bus.queue.empty()
    assert started  # the model is found; it is loading it that fails, in the listener's thread


# ---- on the virtual sound card: the real process, PortAudio and PulseAudio ---------------------


def _kill_mic_stream(card) -> None:  # type: ignore[no-untyped-def]
    """Cut the program's recording stream off at the sound server, as an unplugged device does."""
    import socket

    card.pactl("load-module", "module-cli-protocol-unix")
    outputs = card.pactl("list", "short", "source-outputs").stdout.splitlines()
    ids = [line.split()[0] for line in outputs if "protocol-native" in line]
    assert ids, outputs
    with socket.socket(socket.AF_UNIX) as cli:
        cli.connect(str(card.runtime / "pulse" / "cli"))
        for i in ids:
            cli.sendall(f"kill-source-output {i}\n".encode())
        time.sleep(0.3)


def _restore_loopbacks(card) -> None:  # type: ignore[no-untyped-def]
    """PulseAudio moves the card's silence loopbacks onto a source that appears (here the new vmic,
    which would feed the mic back into itself): put them back on the silence source."""
    card.pactl("set-default-source", "vmic")
    for line in card.pactl("list", "short", "source-outputs").stdout.splitlines():
        if "module-loopback" in line:
            card.pactl("move-source-output", line.split()[0], "silence")


@pytest.mark.slow
def test_the_microphone_unplugged_and_plugged_back_in_a_real_session(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys
    import threading
    from pathlib import Path

    import numpy as np

    from tests.listen_real import corpus, korean_model
    from tests.pulse import VirtualSoundCard, missing_tools

    korean_model()
    if missing_tools():
        pytest.skip(f"the virtual sound card needs {', '.join(missing_tools())}")
    next_wav = tmp_path / "next.wav"
    corpus.write_wav(next_wav, np.concatenate([corpus.silence(0.5), corpus.synth("다음", "ko", 160).audio,
                                               corpus.silence(0.5)]))
    trace = tmp_path / "trace.jsonl"
    data = Path(__file__).resolve().parent / "data"
    with VirtualSoundCard(tmp_path / "card") as card:
        env = dict(card.env, PULSE_SOURCE="vmic")  # this microphone, not whatever else is there
        proc = subprocess.Popen(
            [sys.executable, "-m", "voiceguide", "play", str(data / "ko-short.yaml"), "--text", "--listen",
             "--time-scale", "10", "--trace", str(trace)],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8")
        out: list[str] = []
        err: list[str] = []
        for stream, lines in ((proc.stdout, out), (proc.stderr, err)):
            threading.Thread(target=lambda s=stream, l=lines: l.extend(iter(s.readline, "")), daemon=True).start()

        def wait_for(text: str, lines: list[str], seconds: float = 20.0) -> bool:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and proc.poll() is None:
                if any(text in line for line in lines):
                    return True
                time.sleep(0.05)
            return False

        try:
            assert wait_for(KO.lines.ready, out)  # waiting for "next"
            deadline = time.monotonic() + 20
            while "protocol-native" not in card.pactl("list", "short", "source-outputs").stdout:
                assert time.monotonic() < deadline, "the listener never opened the microphone"
                time.sleep(0.1)
            module = next(line.split()[0] for line in card.pactl("list", "short", "modules").stdout.splitlines()
                          if "module-remap-source" in line)
            card.pactl("unload-module", module)  # the microphone goes away ...
            _kill_mic_stream(card)  # ... and with it the stream
            assert wait_for(KO.lines.mic_lost, out), "".join(err)
            assert wait_for(KO.lines.mic_lost, err)
            time.sleep(5)  # two or three tries to open it fail meanwhile; nothing more is said
            assert proc.poll() is None
            card.pactl("load-module", "module-remap-source", "source_name=vmic", "master=vmicsink.monitor")
            _restore_loopbacks(card)
            assert wait_for(KO.lines.mic_back, out), "".join(err)
            time.sleep(1.0)
            for _ in range(3):  # voice commands work again
                card.play_into_mic(next_wav)
                if wait_for("[timer", out, 3.0):
                    break
            proc.stdin.close()  # type: ignore[union-attr]
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    stdout, stderr = "".join(out), "".join(err)
    assert proc.returncode == 0, stderr
    assert "session completed" in stderr and "Traceback" not in stderr
    assert stdout.count(KO.lines.mic_lost) == 1 and stderr.count(KO.lines.mic_lost) == 1
    assert stdout.count(KO.lines.mic_back) == 1 and stderr.count(KO.lines.mic_back) == 1
    records = [json.loads(line) for line in trace.read_text("utf-8").splitlines()]
    assert [r["text"] for r in records if r["kind"] == "announce"] == [KO.lines.mic_lost, KO.lines.mic_back]
    voice = [r for r in records if r["kind"] == "command" and r.get("source") == "voice"]
    assert voice and voice[0]["name"] == "next"


def test_stopping_while_the_model_loads_does_not_wait_for_it() -> None:
    """Ctrl-C in a session's first seconds: nothing is open yet, so nothing is waited for; the
    load ends, and the thread with it, without opening the microphone."""
    import threading

    loading, release = threading.Event(), threading.Event()

    def slow_model(rate: int) -> FakeRecognizer:
        loading.set()
        release.wait(10)
        return FakeRecognizer([])

    source = FlakySource([(5.0, "end")])
    listener = Listener(source, slow_model, Acceptor(KO.commands), print, highpass=False, denoise=False)
    listener.start()
    assert loading.wait(5)
    t0 = time.monotonic()
    listener.stop()
    assert time.monotonic() - t0 < 0.5
    release.set()
    assert listener.wait(5)
    assert source.starts == []
