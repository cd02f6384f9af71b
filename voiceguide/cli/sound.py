"""Commands for hearing the guide: say, devices, render; and the settings shared with `play`."""

from __future__ import annotations

import json
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import click

from voiceguide.cli import cli, writable_target
from voiceguide.termtext import printable
from voiceguide.errors import BadInput, VoiceguideError
from voiceguide.lang import LanguagePack, load_pack
from voiceguide.settings import SessionOptions, Settings, build_settings, check_time_scale


def voice_options(f: Any) -> Any:
    """--voice, --rate, --volume and --output-device, shared by play and say."""
    f = click.option("--output-device", help="Sound output to use: a number or part of a name from 'voiceguide devices'.")(f)
    f = click.option("--volume", type=float, help="Loudness from 0.0 to 1.0 (default 0.8, or the config file's).")(f)
    f = click.option("--rate", type=int, help="Speaking rate in words a minute, 60 to 400 (default 140).")(f)
    f = click.option("--voice", help="espeak-ng voice, e.g. en-us, gmw/en-gb-x-rp, en-us+f3, or a language: en-gb, english "
                                     "(default: the language's; list them with 'voiceguide say --list-voices').")(f)
    return f


def voice_for(settings: Settings, pack: LanguagePack) -> str:
    return settings.voice or pack.voice


def open_speech(voice: str, rate: int):  # type: ignore[no-untyped-def]
    from voiceguide.speech import Speech

    return Speech(voice, rate)


@cli.command()
@click.argument("text", required=False)
@voice_options
@click.option("--lang", "language", help="Language pack whose voice to use (default: en).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), callback=writable_target,
              help="Write the spoken line to this WAV file instead of playing it.")
@click.option("--list-voices", is_flag=True, help="List the voices espeak-ng offers and exit.")
def say(text: str | None, voice: str | None, rate: int | None, volume: float | None, output_device: str | None,
        language: str | None, output: Path | None, list_voices: bool) -> None:
    """Speak one line through the speaker, to try a voice, rate or volume.

    \b
    Examples:
      voiceguide say "Take a slow breath together."
      voiceguide say --voice en-gb-x-rp --rate 130 "Hello Sam, hello Alex."
      voiceguide say --list-voices
    """
    if list_voices:
        from voiceguide.speech import list_voices as voices

        for v in voices():
            click.echo(f"{v.id:<24} {v.name}")
        return
    if not text or not text.strip():
        raise BadInput("say what? give the words to speak, e.g. voiceguide say \"Hello\"")
    settings = build_settings({"voice": voice, "rate": rate, "volume": volume, "output_device": output_device,
                               "language": language})
    pack = load_pack(settings.language or "en")
    speech = open_speech(voice_for(settings, pack), settings.rate)
    try:
        path = speech.get(text)
    finally:
        speech.close()
    if output is not None:
        try:
            shutil.copyfile(path, output)
        except OSError as exc:
            raise VoiceguideError(f"cannot write {output}: {exc.strerror or exc}") from None
        click.echo(printable(f"wrote {output}"), err=True)
        return
    play_file(path, settings)


def play_file(path: Path, settings: Settings) -> None:
    """One clip through the output device, start to end."""
    from voiceguide.audioout import SAY_NO_DEVICE_HINT, AudioOutput, SoundDevice
    from voiceguide.events import PlayClip
    from voiceguide.runner import Bus, RealClock

    device = SoundDevice(settings.output_device, hint=SAY_NO_DEVICE_HINT)
    bus = Bus(RealClock())
    out = AudioOutput(bus, device, None, volume=settings.volume)
    try:
        out.play(PlayClip(path, 1))
        bus.queue.get(timeout=600)
    finally:
        out.close()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def devices(as_json: bool) -> None:
    """List the sound devices, marking the default output (>) and input (<).

    Use a device's number or part of its name with 'play --output-device'.
    """
    from voiceguide.audioout import list_devices

    found = list_devices()
    if as_json:
        keys = ("index", "name", "max_output_channels", "max_input_channels", "default_samplerate",
                "default_output", "default_input")
        click.echo(json.dumps([{k: d.get(k) for k in keys} for d in found], indent=2))
        return
    if not found:
        click.echo("no sound devices found; 'voiceguide play --text' reads a session as text", err=True)
        return
    for d in found:
        mark = (">" if d["default_output"] else " ") + ("<" if d["default_input"] else " ")
        click.echo(f"{mark} {d['index']:>3}  {d['name']}  (out {d['max_output_channels']}, in {d['max_input_channels']}, "
                   f"{d['default_samplerate']:g} Hz)")


@cli.command()
@click.argument("exercise")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              callback=writable_target, help="The WAV file to write.")
@click.option("--time-scale", type=float, default=1.0, show_default=True,
              help="Shorten timers and pauses this many times (speech keeps its pace).")
@click.option("--partner-a", help="Partner A's name, as the guide will say it.")
@click.option("--partner-b", help="Partner B's name.")
@click.option("--first", type=click.Choice(["a", "b"]), default="a", show_default=True, help="Who takes the first turn.")
@click.option("--voice", help="espeak-ng voice (see 'voiceguide say --list-voices').")
@click.option("--rate", type=int, help="Speaking rate in words a minute, 60 to 400.")
@click.option("--lang", "language", help="Language pack to use (default: the exercise's language).")
@click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also look for exercises in this folder.")
def render(exercise: str, output: Path, time_scale: float, partner_a: str | None, partner_b: str | None, first: str,
           voice: str | None, rate: int | None, language: str | None, dirs: tuple[Path, ...]) -> None:
    """Write a whole session to one WAV file, to hear an exercise as the couple will.

    Timers and pauses are silence of their real length (divided by --time-scale), chimes are
    included, and every 'wait: next' is answered after a short silence. Needs no sound card.

    EXERCISE is an exercise id (see 'voiceguide list') or a path to a script file.
    """
    from voiceguide.render import render_session
    from voiceguide.session import pack_for

    check_time_scale(time_scale)
    settings = build_settings({"partner_a": partner_a, "partner_b": partner_b, "voice": voice, "rate": rate,
                               "language": language})
    from voiceguide import library

    ex = library.find(exercise, dirs)
    pack = pack_for(ex, settings)
    speech = open_speech(voice_for(settings, pack), settings.rate)
    options = SessionOptions(text=False, listen=False, time_scale=time_scale, first=first)  # type: ignore[arg-type]
    lock = threading.Lock()
    try:
        with click.progressbar(length=1, label=f"rendering {ex.script.id}", file=sys.stderr) as bar:

            def on_step(done: int, total: int) -> None:
                with lock:
                    bar.length = total
                    bar.update(done - bar.pos)

            result = render_session(ex, settings, options, speech, output, on_step=on_step,
                                    warn=lambda m: click.echo(printable(f"voiceguide: {m}"), err=True))
    finally:
        speech.close()
    from voiceguide.script.model import format_duration
    from voiceguide.script.previews import mark

    mark(output)  # so that 'check' does not take the preview for an unused clip

    click.echo(printable(f"wrote {output} ({format_duration(result.seconds)}, session {result.reason})"), err=True)
