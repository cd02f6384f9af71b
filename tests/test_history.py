"""The session history: append-only, survives kills, never holds what was said."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from click.testing import CliRunner

from voiceguide import history
from voiceguide.cli import cli
from voiceguide.history import Session

ROOT = Path(__file__).resolve().parents[1]  # where `python -m tests.speak_as_text` is found


def s(exercise="presence", start=1_764_000_000.0, minutes=12.0, outcome="completed") -> Session:
    return Session(exercise, exercise.title(), start, minutes * 60, outcome)


def test_append_and_read(tmp_path):
    path = tmp_path / "h.jsonl"
    history.append(s(), path)
    history.append(s("needs-sharing", outcome="stopped"), path)
    assert [x.exercise for x in history.read(path)] == ["presence", "needs-sharing"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_torn_last_line_is_skipped_and_the_next_record_starts_a_new_line(tmp_path):
    path = tmp_path / "h.jsonl"
    history.append(s(), path)
    with path.open("ab") as f:
        f.write(b'{"exercise": "pres')  # a write cut short
    assert len(list(history.read(path))) == 1
    history.append(s("connect"), path)
    assert [x.exercise for x in history.read(path)] == ["presence", "connect"]


def test_weekly_summary_counts_minutes_and_fills_empty_weeks():
    monday = 1_763_942_400.0  # Monday 24 Nov 2025, 00:00 UTC
    sessions = [s(start=monday + 3600 * 12), s(start=monday + 86400 * 2, minutes=8), s(start=monday + 86400 * 15)]
    weeks = history.weekly(sessions)
    assert [(n, round(m)) for _, n, m in weeks] == [(2, 20), (0, 0), (1, 12)]


WRITER = textwrap.dedent(
    """
    import sys
    from voiceguide import history
    from pathlib import Path
    path = Path(sys.argv[1])
    i = 0
    while True:
        history.append(history.Session("presence", "Presence " + "x" * (i % 50), 1.0 * i, 60.0, "completed"), path)
        i += 1
    """
)


def test_history_survives_writers_killed_at_random_points(tmp_path):
    path = tmp_path / "h.jsonl"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    rng = random.Random(1)
    for _ in range(12):
        before = path.stat().st_size if path.exists() else 0
        proc = subprocess.Popen([sys.executable, str(script), str(path)])
        while (path.stat().st_size if path.exists() else 0) == before:  # writing (a busy machine starts slowly)
            assert proc.poll() is None
            time.sleep(0.01)
        time.sleep(rng.random() * 0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        raw = path.read_bytes().split(b"\n")
        whole = raw[:-1]  # every line but a possibly torn last one must be whole JSON
        for line in whole:
            if line:
                json.loads(line)
    records = list(history.read(path))
    assert len(records) > 12
    lines = [l for l in path.read_bytes().split(b"\n") if l]
    assert len(records) >= len(lines) - 12  # at most one torn line per kill


def test_history_command(tmp_path):
    for i in range(3):
        history.append(s(start=time.time() - 86400 * 7 * i))
    result = CliRunner().invoke(cli, ["history"])
    assert result.exit_code == 0
    assert "Recent sessions" in result.stdout and "Minutes per week" in result.stdout
    assert "█" in result.stdout
    result = CliRunner().invoke(cli, ["history", "--json"])
    assert len(result.stdout.splitlines()) == 3


def test_history_command_with_no_sessions():
    result = CliRunner().invoke(cli, ["history"])
    assert result.exit_code == 0 and "No sessions yet" in result.stdout


def test_a_played_session_is_recorded_without_what_was_said():
    # spoken at its real timings (by a speaker that prints): a session, not a preview
    result = subprocess.run(
        [sys.executable, "-m", "tests.speak_as_text", "play", "tests/data/short.yaml", "--no-listen",
         "--partner-a", "Sam", "--partner-b", "Alex"],
        input="next\nnext\nnext\n", capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "Hello Sam and Alex." in result.stdout
    [record] = list(history.read())
    assert record.exercise == "short" and record.outcome == "completed"
    raw = history.history_path().read_text()
    assert "Sam" not in raw and "Alex" not in raw


def test_sigterm_stops_at_once_records_and_exits_143():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.speak_as_text", "play", "presence", "--no-listen"], cwd=ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline()  # the session has begun: its first line is out (a busy machine starts slowly)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    [record] = list(history.read())
    assert record.outcome == "interrupted"
