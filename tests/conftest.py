"""Every test runs with its own empty config, data and cache folders: nothing touches the real ones."""

from __future__ import annotations

import os

import pytest

# What the developer's environment said before each test hides it (for tests of a real English model).
ORIGINAL_MODEL = os.environ.get("VOICEGUIDE_MODEL")


@pytest.fixture(autouse=True)
def private_dirs(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("home")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        folder = base / name.lower()
        folder.mkdir()
        monkeypatch.setenv(name, str(folder))
    for name in ("VOICEGUIDE_CONFIG", "VOICEGUIDE_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return base
