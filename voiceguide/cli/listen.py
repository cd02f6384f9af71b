"""Voice commands from the command line: listen, commands, mic-test, and the model group."""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from voiceguide.cli import cli
from voiceguide.errors import VoiceguideError
from voiceguide.lang import LanguagePack, load_pack
from voiceguide.settings import build_settings


def _pack(lang: str | None, model: str | None = None, input_device: str | None = None) -> tuple[LanguagePack, Any]:
    settings = build_settings({"language": lang, "model": model, "input_device": input_device})
    return load_pack(settings.language or "en"), settings


def _source(wav: Path | None, fast: bool, input_device: str | None) -> Any:
    from voiceguide.listen.source import MicSource, WavSource

    if wav is not None:
        return WavSource(wav, realtime=not fast)
    return MicSource(input_device)


def _wait(listener: Any) -> None:
    try:
        while not listener.wait(0.2):
            pass
    except KeyboardInterrupt:
        listener.stop()
        raise
    if listener.error is not None:
        raise listener.error


@cli.command()
@click.option("--wav", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Listen to this WAV file instead of the microphone (fed in real time, like a mic).")
@click.option("--fast", is_flag=True, help="With --wav: feed the file as fast as possible.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per command: name, text, conf, start, end, t (seconds from the start).")
@click.option("-v", "--verbose", is_flag=True, help="Also show rejected candidates and why (on stderr).")
@click.option("--lang", help="Language pack to listen for (default: the configured language, else en).")
@click.option("--model", help="Vosk model folder (default: found automatically; see 'voiceguide model list').")
@click.option("--input-device", help="Microphone: a device name or number (see 'voiceguide devices').")
def listen(wav: Path | None, fast: bool, as_json: bool, verbose: bool, lang: str | None, model: str | None,
           input_device: str | None) -> None:
    """Listen for voice commands and print each one that is accepted.

    Use it to check a microphone, or a recording: with --wav the file goes through exactly the
    path the microphone takes. Stop listening on the microphone with Ctrl-C. Nothing is recorded.
    """
    from voiceguide.listen.build import make_listener, model_path

    if fast and wav is None:
        raise click.UsageError("--fast only goes with --wav")
    pack, settings = _pack(lang, model, input_device)
    recording = _source(wav, fast, None) if wav is not None else None  # a bad file is named before the model is sought
    path = model_path(pack, settings.model)
    source = recording or _source(None, fast, settings.input_device)

    def show(d: Any) -> None:
        if d.accepted:
            if as_json:
                click.echo(json.dumps({"name": d.name, "text": d.text, "conf": d.conf, "start": d.start,
                                       "end": d.end, "t": round(d.t, 3), "opinion": d.opinion}, ensure_ascii=False))
            else:
                conf = f", conf {d.conf:.2f}" if d.conf is not None else ""
                click.echo(f"{d.t:8.2f}s  {d.name}  ({d.text}{conf})")
            sys.stdout.flush()
        elif verbose:
            by = "" if d.opinion == "recogniser" else f" (opinion: {d.opinion})"
            click.echo(f"{d.t:8.2f}s  rejected '{d.text}': {d.reason}{by}", err=True)

    listener = make_listener(pack, source, show, model=path, veto=settings.enrolled_veto)
    if wav is None:
        click.echo(f"listening on {source.name} for {pack.name} commands (Ctrl-C to stop)", err=True)
    listener.start()
    _wait(listener)


@cli.command()
@click.option("--lang", help="Language pack (default: the configured language, else en).")
@click.option("--json", "as_json", is_flag=True, help="Print an object mapping each command to its phrases.")
def commands(lang: str | None, as_json: bool) -> None:
    """What you can say to the guide, by command."""
    pack, _ = _pack(lang)
    if as_json:
        click.echo(json.dumps({name: list(p) for name, p in pack.commands.items()}, ensure_ascii=False))
        return
    for name, phrases in pack.commands.items():
        click.echo(f"{name:<8} {', '.join(phrases)}")


def _say(text: str, pack: LanguagePack) -> None:
    """Speak one line: render with pyttsx3, play with sounddevice.

    A minimal local stand-in until audio out (voiceguide's speech module) provides a shared way to
    speak a line; replace this with it when it lands."""
    import contextlib
    import io
    import os
    import tempfile

    import sounddevice as sd
    import soundfile as sf

    try:
        import pyttsx3
    except ImportError:  # pragma: no cover
        click.echo(text, err=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "line.wav")
        engine = pyttsx3.init()
        engine.setProperty("voice", pack.voice)
        engine.save_to_file(text, out)
        with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints "Audio saved to ..."
            engine.runAndWait()
        try:
            data, rate = sf.read(out, dtype="int16")
            sd.play(data, rate)
            sd.wait()
        except (RuntimeError, sd.PortAudioError):
            click.echo(f"(no sound output; see 'voiceguide devices') {text}", err=True)


def _patience(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A finite wait: NaN ended the test at once, and infinity never would."""
    if not (math.isfinite(value) and 1.0 <= value <= 3600.0):
        raise click.BadParameter(f"must be a number of seconds from 1 to 3600, not {value:g}")
    return value


@cli.command("mic-test")
@click.option("--lang", help="Language pack (default: the configured language, else en).")
@click.option("--model", help="Vosk model folder.")
@click.option("--input-device", help="Microphone: a device name or number (see 'voiceguide devices').")
@click.option("--seconds", type=float, default=20.0, show_default=True, callback=_patience,
              help="Give up after this long (1 to 3600).")
def mic_test(lang: str | None, model: str | None, input_device: str | None, seconds: float) -> None:
    """Set up a microphone: asks you to say "next", shows the input level and what it heard.

    It ends when it hears "next" or after --seconds. Nothing is recorded.
    """
    from voiceguide.listen.build import make_listener, model_path
    from voiceguide.listen.source import MicSource

    pack, settings = _pack(lang, model, input_device)
    path = model_path(pack, settings.model)
    source = MicSource(settings.input_device)
    heard = threading.Event()
    last = [0.0]

    def level(t: float, db: float) -> None:
        if t - last[0] >= 0.1:
            last[0] = t
            bars = max(0, min(40, int((db + 70) / 70 * 40)))
            click.echo(f"\r{db:6.1f} dBFS |{'#' * bars:<40}|", nl=False, err=True)

    def hyp(h: Any, t: float) -> None:
        if h.final and h.text:
            click.echo(f"\rheard: {h.text}{' ' * 40}", err=True)

    def decision(d: Any) -> None:
        if d.accepted:
            click.echo(f"\rcommand: {d.name} ({d.text})", err=True)
            if d.name == "next":
                heard.set()
        else:
            click.echo(f"\rnot taken as a command: {d.reason}", err=True)

    click.echo(f"microphone: {source.name} at {source.rate} Hz; loading the speech model…", err=True)
    listener = make_listener(pack, source, decision, model=path, on_level=level, on_hypothesis=hyp,
                             veto=settings.enrolled_veto)
    listener.start()
    listener.ready.wait()
    if listener.error is not None:
        raise listener.error
    _say(pack.lines.mic_test, pack)
    deadline = time.monotonic() + seconds
    try:
        while not heard.is_set() and time.monotonic() < deadline and not listener.done.is_set():
            heard.wait(0.2)
    finally:
        listener.stop()
    click.echo("", err=True)
    if listener.error is not None:
        raise listener.error
    if not heard.is_set():
        raise VoiceguideError(f"did not hear '{pack.commands['next'][0]}' within {seconds:g} s; "
                              "check the level above and the microphone")
    click.echo("the microphone works", err=True)


@cli.group()
def model() -> None:
    """Speech models for voice commands: see what is found, download the official ones."""


@model.command("list")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON array (a language with no model: path null, and in 'download' the command "
                   "that fetches it).")
@click.option("--model", "explicit", help="Also show this model folder.")
def model_list(as_json: bool, explicit: str | None) -> None:
    """Show the models found, where, and for which language (first found is used), and each
    language that has none, with the command that fetches it."""
    from voiceguide import models
    from voiceguide.lang import available

    settings = build_settings({"model": explicit})
    found = models.find_all(settings.model)
    rows: list[dict[str, Any]] = [
        {"lang": m.lang, "path": str(m.path), "origin": m.origin, "ok": models.looks_like_model(m.path)}
        for m in found]
    covered = {r["lang"] for r in rows if r["ok"]}
    missing = [{"lang": code, "path": None, "origin": None, "ok": False, "download": models.download_command(code)}
               for code in available() if code not in covered]
    if as_json:
        click.echo(json.dumps(rows + missing, ensure_ascii=False))
        return
    for r in rows:
        state = "" if r["ok"] else "  (not a model folder)"
        click.echo(f"{r['lang'] or 'any':<4} {r['path']}  [{r['origin']}]{state}")
    for r in missing:
        how = f"get it with: {r['download']}" if r["download"] else "give a Vosk model folder with --model"
        click.echo(f"{r['lang']:<4} no model; {how}")
    if any(r["download"] for r in missing):
        click.echo(f"(downloaded models go into {models.data_dir()})", err=True)


@model.command("download")
@click.argument("lang")
@click.option("--url", help="Download from here instead of the official site "
                            "(also env VOICEGUIDE_MODEL_URL).")
def model_download(lang: str, url: str | None) -> None:
    """Download the official small speech model for LANG (e.g. en, ko) into your data folder.

    A broken download resumes where it stopped when you run the command again.
    """
    from voiceguide import models

    def bar(total: int | None, have: int) -> Any:
        b = click.progressbar(length=total or 0, label=f"downloading {lang} model", file=sys.stderr)
        b.__enter__()
        if have:
            b.update(have)
        return b

    path = models.download(lang, url, progress_factory=bar)
    from voiceguide.listen import probe
    from voiceguide.listen.modelview import grammar_view

    # Both made now, not in the first session's first seconds (see modelview.py and probe.py).
    if not any(probe.loads(folder) for folder in dict.fromkeys([grammar_view(path), path])):
        click.echo(f"voiceguide: warning: Vosk could not load the downloaded model in {path}; "
                   "voice commands stay off with it", err=True)
    click.echo(str(path))
