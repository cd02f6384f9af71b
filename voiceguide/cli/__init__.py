"""The command line: thin. Options become settings; one domain error becomes one clean message."""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from voiceguide import __version__
from voiceguide.brief import brief_message
from voiceguide.errors import ScriptError, Terminated, VoiceguideError
from voiceguide.termtext import printable


class Group(click.Group):
    """Turns a VoiceguideError into a clean message and its exit code, and Ctrl-C into 130."""

    def invoke(self, ctx: click.Context) -> Any:
        signal.signal(signal.SIGTERM, _terminate)
        try:
            return super().invoke(ctx)
        except ScriptError as exc:
            for problem in exc.problems:
                click.echo(printable(problem, lines=True), err=True)
            ctx.exit(exc.exit_code)
        except VoiceguideError as exc:
            click.echo(f"voiceguide: {printable(brief_message(str(exc)), lines=True)}", err=True)
            ctx.exit(exc.exit_code)
        except click.UsageError as exc:  # click echoes a bad value whole, even a megabyte of it
            exc.message = brief_message(exc.message)
            raise
        except KeyboardInterrupt:
            click.echo("voiceguide: interrupted", err=True)
            ctx.exit(130)
        except Terminated:
            click.echo("voiceguide: terminated", err=True)
            ctx.exit(143)


def writable_target(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Option callback for an output file: refused before any work when it is a FIFO, a device or
    a folder, which would hang the command or be harmed by it."""
    from voiceguide.safeio import NotReadable, check_writable_target

    if value is not None:
        try:
            check_writable_target(value)
        except NotReadable as exc:
            raise click.BadParameter(printable(exc.reason)) from None
    return value


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voiceguide")
def cli() -> None:
    """A screen-free guide for couples' connection exercises.

    It speaks each step, times each partner's turn with gentle chimes, and listens for
    "next", "pause", "resume", "repeat", "back" and "stop". Start with:

        voiceguide list

        voiceguide play presence --partner-a Sam --partner-b Alex
    """


# Each module registers its commands on `cli` when imported.
from voiceguide.cli import exercises as _exercises  # noqa: E402,F401
from voiceguide.cli import history as _history  # noqa: E402,F401
from voiceguide.cli import menu as _menu  # noqa: E402,F401
from voiceguide.cli import play as _play  # noqa: E402,F401
from voiceguide.cli import sound as _sound  # noqa: E402,F401
from voiceguide.cli import config as _config  # noqa: E402,F401
from voiceguide.cli import listen as _listen  # noqa: E402,F401
from voiceguide.cli import buttons as _buttons  # noqa: E402,F401
from voiceguide.cli import enroll as _enroll  # noqa: E402,F401


def main() -> None:
    cli(prog_name="voiceguide")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
