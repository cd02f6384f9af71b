"""Previews are not sessions: a run read as text (--text) or with its timers shortened or
lengthened (--time-scale other than 1) is not written to the history, so the menu never says
"Last time, you did ..." about an author's preview. Sessions spoken aloud at their real timings
are (tests/test_history.py has more); tests.speak_as_text stands in for the sound card."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from voiceguide import history
from voiceguide.session import is_preview
from voiceguide.settings import SessionOptions

ROOT = Path(__file__).resolve().parents[1]  # where `python -m tests.speak_as_text` is found
TINY = "id: tiny\ntitle: Tiny\nsummary: One line.\nsteps:\n  - say: Just one line.\n"


def test_what_counts_as_a_preview():
    assert not is_preview(SessionOptions())
    assert is_preview(SessionOptions(text=True))
    assert is_preview(SessionOptions(time_scale=100.0))
    assert is_preview(SessionOptions(time_scale=0.5))


def test_a_session_read_as_text_is_not_recorded_even_at_its_real_pace():
    proc = subprocess.Popen([sys.executable, "-m", "voiceguide", "play", "presence", "--text"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline()  # it has begun
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 143, err
    assert list(history.read()) == []


def test_a_spoken_session_with_shortened_timers_is_not_recorded():
    result = subprocess.run([sys.executable, "-m", "tests.speak_as_text", "play", "tests/data/short.yaml",
                             "--no-listen", "--time-scale", "100"], capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "That is all for now." in result.stdout
    assert list(history.read()) == []


def menu(stdin: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tests.speak_as_text", "menu", "--no-listen", "--dir", str(folder),
                           *args], input=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_the_menu_records_a_spoken_session_and_not_a_preview(tmp_path: Path):
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    preview = menu("tiny\nnext\nstop\n", tmp_path, "--time-scale", "10")
    assert preview.returncode == 0, preview.stderr
    assert "Just one line." in preview.stdout
    assert list(history.read()) == []
    again = menu("stop\n", tmp_path)
    assert "Last time" not in again.stdout
    spoken = menu("tiny\nnext\nstop\n", tmp_path)
    assert spoken.returncode == 0, spoken.stderr
    assert [s.exercise for s in history.read()] == ["tiny"]
    after = menu("stop\n", tmp_path)
    assert "Last time, you did Tiny." in after.stdout
