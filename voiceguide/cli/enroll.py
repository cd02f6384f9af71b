"""voiceguide enroll: teach the guide the couple's voices (optional)."""

from __future__ import annotations

import contextlib
import os
import queue
import select
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from voiceguide.cli import cli
from voiceguide.termtext import printable


@cli.command()
@click.option("--lang", help="Language pack (default: the configured language, else en).")
@click.option("--partner-a", help="The first partner's name.")
@click.option("--partner-b", help="The second partner's name.")
@click.option("--text", is_flag=True, help="Print what the guide would say instead of speaking it.")
@click.option("--show", is_flag=True, help="Say who is enrolled, and when, then end.")
@click.option("--forget", is_flag=True, help="Remove every enrolled voice, then end.")
@click.option("--input-device", help="Microphone: a device name or number (see 'voiceguide devices').")
@click.option("--wav", type=click.Path(dir_okay=False, path_type=Path),
              help="Take the words from this recording instead of the microphone (to try it out).")
def enroll(lang: str | None, partner_a: str | None, partner_b: str | None, text: bool, show: bool,
           forget: bool, input_device: str | None, wav: Path | None) -> None:
    """Teach the guide how each of you says the command words (optional).

    The guide asks each partner in turn to say each command word three times, and a few everyday
    words once; it asks again when a take was too quiet, too long or cut off. Keys: s leaves the
    current word out, q stops (nothing new is kept). With stdin not a terminal, each line is read
    as the guide waits for a word: "skip", "stop", or anything else to listen.

    Only features of the sound are kept (no audio), in your data folder. With a speech model they
    can veto a command the recogniser thinks it heard (setting enrolled-veto); for a language with
    no model they are how the guide hears commands at all.
    """
    from voiceguide.enroll import store
    from voiceguide.lang import load_pack
    from voiceguide.settings import build_settings

    if show and forget:
        raise click.UsageError("--show and --forget go alone")
    if forget:
        removed = store.forget()
        click.echo(f"forgot the enrolled voices ({len(removed)} language{'s' if len(removed) != 1 else ''})"
                   if removed else "no enrolled voices to forget", err=True)
        return
    if show:
        _show(store)
        return
    settings = build_settings({"language": lang, "partner_a": partner_a, "partner_b": partner_b,
                               "input_device": input_device})
    pack = load_pack(settings.language or "en")
    names = [settings.partner_a or pack.names[0], settings.partner_b or pack.names[1]]
    store.path_for(pack.code)  # a bad code is refused before anything opens
    from voiceguide.listen.source import MicSource, WavSource

    source: Any = WavSource(wav, realtime=False) if wav is not None else MicSource(settings.input_device)
    ear = _Ear(source, live=wav is None, keys=_keys())
    speak = _printer() if text else _speaker(settings, pack)

    def say(line: str) -> None:
        speak(line)
        ear.spoke = True

    from voiceguide.enroll.teach import enroll as run

    try:
        ear.start()
        with _cbreak_if(ear.keys.tty):
            partners = run(pack.commands, pack.code, names, say, ear.hear, source.rate)
    finally:
        ear.stop()
    if partners is None:
        raise SystemExit(0)
    path = store.save(pack.code, partners)
    counts = ", ".join(f"{p.name}: {len(p.takes)} of {len(pack.commands)} words" for p in partners)
    click.echo(printable(f"enrolled ({counts}) in {path}"), err=True)


def _show(store: Any) -> None:
    langs = store.enrolled_languages()
    if not langs:
        click.echo("nobody is enrolled")
        return
    for code in langs:
        for p in store.load(code):
            click.echo(printable(f"{code}  {p.name}  enrolled {p.enrolled}  words: {', '.join(p.takes) or 'none'}"))


def _printer() -> Any:
    def say(line: str) -> None:
        click.echo(printable(line))
        sys.stdout.flush()

    return say


def _speaker(settings: Any, pack: Any) -> Any:
    """Each line spoken and waited for before listening starts (the guide must not hear itself)."""
    from voiceguide.speech import Speech

    speech = Speech(settings.voice or pack.voice, settings.rate)

    def say(line: str) -> None:
        import sounddevice as sd
        import soundfile as sf

        from voiceguide.errors import NoAudioDevice

        data, rate = sf.read(str(speech.get(line)), dtype="float32")
        try:
            sd.play(data * settings.volume, rate, device=settings.output_device)
            sd.wait()
        except (RuntimeError, sd.PortAudioError) as exc:
            raise NoAudioDevice(f"no sound output ({exc}); see 'voiceguide devices', or use --text") from None

    return say


class _Ear:
    """The microphone (or a recording) as takes: blocks go through the listener's own filters, so
    a take's features match what the listener will compute later."""

    SETTLE_S = 0.25  # after the guide's line: its echo in the room dies away before a take can begin

    def __init__(self, source: Any, live: bool, keys: Any) -> None:
        from voiceguide.listen.denoise import Denoiser
        from voiceguide.listen.listener import Highpass

        self.source, self.live, self.keys = source, live, keys
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=200)
        self._filters = [Highpass(source.rate), Denoiser(source.rate)]
        self._floor: float | None = None
        self.ended = False  # the recording (or the microphone's stream) is over
        self.spoke = False  # the guide said something since the last take (takes of one word follow each other)

    def _put(self, pcm: bytes | None) -> None:
        if self.live:
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(pcm)
        else:
            self._queue.put(pcm)

    def start(self) -> None:
        self.source.start(self._put)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.source.stop()

    def _blocks(self) -> Iterator[bytes | None]:
        from voiceguide.enroll.teach import Skip, Stop

        while True:
            key = self.keys.poll()
            if key == "skip":
                raise Skip()
            if key == "stop":
                raise Stop()
            try:
                pcm = self._queue.get(timeout=0.5 if self.live else 10.0)
            except queue.Empty:
                if self.live:
                    continue
                pcm = None
            if pcm is None:
                self.ended = True
            if pcm is not None:
                for f in self._filters:
                    pcm = f(pcm)
            yield pcm
            if pcm is None:
                return

    def hear(self) -> Any:
        from voiceguide.enroll.takes import listen_for_take
        from voiceguide.enroll.teach import Skip, Stop

        line = self.keys.line()
        if line == "skip":
            raise Skip()
        if line == "stop":
            raise Stop()
        if self.ended:  # nothing more will be heard: the words still to come are left out
            raise Skip()
        blocks = self._blocks()
        if self.live and self.spoke:  # what the mic heard while the guide spoke is not a take, nor its echo
            self.spoke = False
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            skipped = 0.0
            while skipped < self.SETTLE_S:
                pcm = next(blocks)
                if pcm is None:
                    break
                skipped += len(pcm) / 2 / self.source.rate
        take = listen_for_take(blocks, self.source.rate, floor_db=self._floor)
        self._floor = take.floor
        return take


class _Keys:
    """s / q in a terminal (polled while listening); a line per word from a pipe."""

    def __init__(self) -> None:
        self.tty = sys.stdin is not None and sys.stdin.isatty()
        self._eof = sys.stdin is None

    def poll(self) -> str | None:
        if not self.tty:
            return None
        ready, _, _ = select.select([sys.stdin], [], [], 0)
        if not ready:
            return None
        ch = os.read(sys.stdin.fileno(), 1).decode("utf-8", "replace").lower()
        return {"s": "skip", "q": "stop"}.get(ch)

    def line(self) -> str | None:
        if self.tty or self._eof:
            return None
        text = sys.stdin.readline(200)
        if not text:
            self._eof = True
            return None
        return text.strip().lower() or None


@contextlib.contextmanager
def _cbreak_if(tty: bool) -> Iterator[None]:
    if not tty:
        yield
        return
    from voiceguide.keys import _cbreak

    with _cbreak(sys.stdin.fileno()):
        yield


def _keys() -> _Keys:
    return _Keys()
