"""Every test runs with its own empty config, data and cache folders: nothing touches the real ones."""

from __future__ import annotations

import os

import pytest

from tests.pulse import pulse  # noqa: F401  (the virtual sound card fixture)

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


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One speech cache for the test session, never the user's own."""
    return tmp_path_factory.mktemp("speech-cache")


@pytest.fixture(scope="session")
def model_views(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One folder of grammar-only model views for the test session (made once, not per test)."""
    return tmp_path_factory.mktemp("model-views")


@pytest.fixture(autouse=True)
def _private_cache(speech_cache, model_views, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(speech_cache))
    monkeypatch.setenv("VOICEGUIDE_MODEL_CACHE", str(model_views))
