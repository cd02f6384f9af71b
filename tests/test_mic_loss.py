"""The microphone going away mid-session and coming back: said once, retried calmly, no stream leaked."""

from __future__ import annotations

import time

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
                        on_back=lambda: events.append(("back", None)), retry_s=retry_s, stall_s=stall_s)
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


def test_a_wav_file_just_ends() -> None:
    from tests.fakes import FakeSource

    source = FakeSource([], 1.0)
    events: list = []
    listener = Listener(source, lambda rate: FakeRecognizer([]), Acceptor(KO.commands), events.append,
                        highpass=False, denoise=False, on_lost=events.append, stall_s=0.1)
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
    assert len(said) == 1 and said[0].startswith(KO.lines.no_model.split("{")[0].strip())
    assert bus.queue.get_nowait() == Announce(said[0])
    assert bus.queue.empty()


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
    assert isinstance(event, Announce) and said == [event.text]
    assert event.text.startswith(KO.lines.no_model.split("{")[0].strip())
    assert bus.queue.empty()
    assert started  # the model is found; it is loading it that fails, in the listener's thread
