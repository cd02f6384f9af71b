"""The virtual sound card (scripts/virtual_card.py, shared with the benchmarks) and its pytest fixture."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from virtual_card import (  # noqa: E402,F401  (the names tests use)
    MODULES, RATE, TOOLS, SpeakerRecorder, VirtualSoundCard, envelope, first_sound, missing_tools, segments,
    stop_process,
)


@pytest.fixture(scope="session")
def pulse(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A running virtual sound card for the whole test session (see VirtualSoundCard)."""
    missing = missing_tools()
    if missing:
        pytest.skip(f"the virtual sound card needs {', '.join(missing)} (apt: pulseaudio pulseaudio-utils)")
    card = VirtualSoundCard(tmp_path_factory.mktemp("pulse"))
    card.start()
    try:
        yield card
    finally:
        card.stop()
