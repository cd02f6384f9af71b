"""Every developer script under scripts/ explains itself with --help, and does nothing else then."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
LIBRARIES = {"listen_corpus.py", "virtual_card.py"}  # imported by the others and by tests; not run on its own


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.py") if p.name not in LIBRARIES))
def test_every_script_has_help(script: str, tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(SCRIPTS / script), "--help"], cwd=tmp_path, capture_output=True,
                         text=True, encoding="utf-8", timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage:")
    assert len(out.stdout.splitlines()) > 3  # more than the usage line: what it does, and its options
    assert list(tmp_path.iterdir()) == []  # --help wrote nothing


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.py")))
def test_scripts_stand_on_their_own(script: str) -> None:
    """The benchmarks and the soak run from a checkout without the tests: what they share with the
    tests lives in scripts/ (listen_corpus, virtual_card), never the other way round."""
    import ast

    tree = ast.parse((SCRIPTS / script).read_text("utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name == "tests" or name.startswith("tests.")]
