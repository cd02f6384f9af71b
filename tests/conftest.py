"""Shared fixtures."""

from __future__ import annotations

import pytest

from tests.pulse import pulse  # noqa: F401  (the virtual sound card fixture)


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One speech cache for the test session, never the user's own."""
    return tmp_path_factory.mktemp("speech-cache")


@pytest.fixture(autouse=True)
def _private_cache(speech_cache, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(speech_cache))
