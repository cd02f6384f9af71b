"""Where voiceguide keeps its files on this computer, by the platform's conventions, for every module
alike: on Linux ~/.config/voiceguide, ~/.local/share/voiceguide and ~/.cache/voiceguide (or where
the XDG variables say). Each use has its own folder inside, and its own override for tests."""

from __future__ import annotations

from pathlib import Path

APP = "voiceguide"


def config_dir() -> Path:
    import click

    return Path(click.get_app_dir(APP))


def data_dir() -> Path:
    """What must be kept: the history, downloaded models, the user's own exercises."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """What can be made again: rendered speech, the lean views of models."""
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP, appauthor=False))
