"""The enrolled voices brought into a listener: loaded once, checked, and never a reason to stop.

A damaged templates file is said once on stderr and listening goes on without it (the recogniser
alone); the couple can enroll again or forget."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from voiceguide.errors import BadInput, VoiceguideError

_warned: set[str] = set()


def enrolled(lang: str) -> Any:
    """Voices for `lang`, or None when nobody enrolled it (or its file cannot be used)."""
    from voiceguide.enroll import store
    from voiceguide.enroll.voices import Voices

    try:
        partners = store.load(lang)
    except VoiceguideError as exc:
        if lang not in _warned:
            _warned.add(lang)
            print(f"voiceguide: {exc}; listening without them", file=sys.stderr, flush=True)
        return None
    return Voices(partners) if partners else None


def veto_wanted(setting: str | None) -> bool:
    """The `enrolled-veto` setting (on/off); unset: the measured default (opinion.VETO_DEFAULT)."""
    from voiceguide.enroll.opinion import VETO_DEFAULT

    if setting is None:
        return VETO_DEFAULT
    value = setting.strip().lower()
    if value in ("on", "true", "yes", "1"):
        return True
    if value in ("off", "false", "no", "0"):
        return False
    raise BadInput(f"enrolled-veto must be on or off, not {setting[:20]!r}")


def second_opinion(pack: Any, setting: str | None, voices: Any = None) -> Any:
    """The veto for a listener with a model, when it is wanted and the couple enrolled."""
    if not veto_wanted(setting):
        return None
    voices = voices if voices is not None else enrolled(pack.code)
    if voices is None:
        return None
    from voiceguide.enroll.opinion import Veto

    return Veto(voices, pack.commands)


class Spotted:
    """In a listener whose recogniser is the templates: every decision is theirs."""

    def review(self, decision: Any, recent: Any) -> Any:
        import dataclasses

        return dataclasses.replace(decision, opinion="voices")


def spotter_factory(pack: Any, voices: Any, conf_min: float) -> Callable[[int], Any]:
    from voiceguide.enroll.opinion import TemplateSpotter

    def make(rate: int) -> Any:
        return TemplateSpotter(voices, pack.commands, rate, conf_min)

    return make
