"""Fixtures for the end-to-end tests: the virtual sound card (one daemon for the session, from
tests/conftest.py), the command words, and the reaction figures gathered across the tests and
printed at the end of the run (also written to e2e-latency.json in pytest's temporary folder)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from tests.e2e.harness import MISSES, Words

_FIGURES: dict[str, list[float]] = {}
_REPORT: list[Path] = []


@pytest.fixture(scope="session")
def words(tmp_path_factory: pytest.TempPathFactory) -> Words:
    from tests.listen_real import korean_model

    korean_model()  # skips only where vosk, the Korean model or espeak-ng cannot exist
    return Words(tmp_path_factory.mktemp("words"))


_COUNTS: dict[str, list[int]] = {}


class Figures:
    def add(self, kind: str, seconds: float) -> None:
        _FIGURES.setdefault(kind, []).append(seconds)

    def count(self, kind: str, n: int, of: int) -> None:
        c = _COUNTS.setdefault(kind, [0, 0])
        c[0] += n
        c[1] += of


@pytest.fixture(scope="session")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Figures:
    _REPORT.append(tmp_path_factory.getbasetemp() / "e2e-latency.json")
    return Figures()


def summary() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for kind, values in sorted(_FIGURES.items()):
        out[kind] = {"n": len(values), "median_ms": round(1000 * statistics.median(values)),
                     "worst_ms": round(1000 * max(values)), "values_ms": [round(1000 * v) for v in values]}
    for kind, (n, of) in _COUNTS.items():
        out[kind] = {"n": n, "of": of}
    return out


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if not _FIGURES:
        return
    data = summary()
    terminalreporter.section("voice reaction times (end of the spoken word → the guide)")
    for kind, s in data.items():
        if "of" in s:
            terminalreporter.write_line(f"{kind}: {s['n']} of {s['of']}")
        else:
            terminalreporter.write_line(f"{kind}: median {s['median_ms']} ms, worst {s['worst_ms']} ms (n={s['n']})")
    for line in MISSES:
        terminalreporter.write_line(line)
    if _REPORT:
        _REPORT[0].write_text(json.dumps(data, indent=1) + "\n")
        terminalreporter.write_line(f"written to {_REPORT[0]}")
