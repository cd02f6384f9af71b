"""The hostile-input suite: every case runs the real CLI in a process of its own, under a timeout,
and proves it left with a message (no traceback, no signal death) and touched nothing outside
voiceguide's own folders."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder` with its kind and, for files, a hash of its bytes."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_file():
                out[rel] = "file:" + hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                out[rel] = "dir"
    return out


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[Path]:
    """A folder outside voiceguide's own, with a few files in it; the test fails if any of it changes."""
    folder = tmp_path / "sentinel"
    (folder / "inner").mkdir(parents=True)
    (folder / "keep.txt").write_text("keep me\n")
    (folder / "inner" / "also.txt").write_text("and me\n")
    before = snapshot(folder)
    yield folder
    assert snapshot(folder) == before, "something outside voiceguide's folders was written or removed"


def run_cli(*args: str, timeout: float = 60, input: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> Ran:
    """`voiceguide ARGS` in a child process: it must end by itself within `timeout`, never by a
    signal, and never print a Python traceback."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    try:
        proc = subprocess.run([sys.executable, "-m", "voiceguide", *args], capture_output=True, text=True,
                              timeout=timeout, input=input if input is not None else "", env=full_env,
                              cwd=cwd)
    except subprocess.TimeoutExpired:
        pytest.fail(f"voiceguide {' '.join(args)} hung (over {timeout} s)")
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}\n{proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr[-4000:]
    assert "Traceback" not in proc.stdout, proc.stdout[-4000:]
    return Ran(proc.returncode, proc.stdout, proc.stderr)
