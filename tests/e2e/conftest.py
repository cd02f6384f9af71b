"""Fixtures for the end-to-end tests: the virtual sound card (one daemon for the session, from
tests/conftest.py), the command words, and the reaction figures gathered across the tests and
printed at the end of the run (also written to e2e-latency.json in pytest's temporary folder)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from tests.e2e.harness import Words

_FIGURES: dict[str, list[float]] = {}
_REPORT: list[Path] = []


@pytest.fixture(scope="session")
def words(tmp_path_factory: pytest.TempPathFactory) -> Words:
    from tests.listen_real import korean_model

    korean_model()  # skips only where vosk, the Korean model or espeak-ng cannot exist
    return Words(tmp_path_factory.mktemp("words"))


class Figures:
    def add(self, kind: str, seconds: float) -> None:
        _FIGURES.setdefault(kind, []).append(seconds)


@pytest.fixture(scope="session")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Figures:
    _REPORT.append(tmp_path_factory.getbasetemp() / "e2e-latency.json")
    return Figures()


def summary() -> dict[str, dict[str, float | int]]:
    out = {}
    for kind, values in sorted(_FIGURES.items()):
        out[kind] = {"n": len(values), "median_ms": round(1000 * statistics.median(values)),
                     "worst_ms": round(1000 * max(values)), "values_ms": [round(1000 * v) for v in values]}
    return out


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if not _FIGURES:
        return
    data = summary()
    terminalreporter.section("voice reaction times (end of the spoken word → the guide)")
    for kind, s in data.items():
        terminalreporter.write_line(f"{kind}: median {s['median_ms']} ms, worst {s['worst_ms']} ms (n={s['n']})")
    if _REPORT:
        _REPORT[0].write_text(json.dumps(data, indent=1) + "\n")
        terminalreporter.write_line(f"written to {_REPORT[0]}")
