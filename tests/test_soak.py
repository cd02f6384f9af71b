"""scripts/soak.py: a short run prints the one JSON object, and its drift measure can see drift."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.listen_real import korean_model

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))


def test_drift_is_the_time_a_timer_ran_against_the_script() -> None:
    from soak import timer_drifts

    from voiceguide.events import CancelTimer, End, EnterStep, Speak, StartTimer
    from voiceguide.plan import PauseStep, SayStep, TimerStep

    plan = (SayStep(text="hi", line=1), TimerStep(seconds=60.0, line=2), PauseStep(seconds=6.0, line=3))
    log = [
        (0.0, EnterStep(0, "say", 1)),
        (2.0, EnterStep(1, "timer", 2)), (2.0, StartTimer(60.0, "timer")),
        (12.0, CancelTimer(50.0)), (20.0, StartTimer(50.0, "timer")),  # paused for 8 s
        (70.3, CancelTimer(0.0)),  # ran 10 + 50.3 s: 0.3 s too long
        (72.0, EnterStep(2, "pause", 3)), (72.0, StartTimer(6.0, "pause")),
        (77.5, Speak("Goodbye.", 9, system=True)),  # the silence ended 0.5 s early: the closing line
        (80.0, End("completed")),
    ]
    assert timer_drifts(log, plan) == pytest.approx([0.3, -0.5])
    stopped = log[:5] + [(30.0, CancelTimer(40.0)), (31.0, End("stopped"))]
    assert timer_drifts(stopped, plan) == []  # a timer cut short says nothing about drift


def test_a_turn_left_before_its_time_is_cut_short() -> None:
    from soak import turns_cut_short

    from voiceguide.events import CancelTimer, End, EnterStep, StartTimer
    from voiceguide.plan import SayStep, TimerStep

    plan = (SayStep(text="hi", line=1), TimerStep(seconds=60.0, line=2, turn="a"),
            TimerStep(seconds=60.0, line=3, turn="b"), TimerStep(seconds=30.0, line=4))
    full = [(0.0, EnterStep(0, "say", 1)),
            (2.0, EnterStep(1, "timer", 2, "a")), (2.0, StartTimer(60.0, "timer")),
            (10.0, CancelTimer(52.0)), (15.0, StartTimer(52.0, "timer")),  # a pause is not an end
            (67.0, CancelTimer(0.0)),
            (67.0, EnterStep(2, "timer", 3, "b")), (67.0, StartTimer(60.0, "timer")),
            (80.0, CancelTimer(47.0)),  # a wrong "next": b's turn is over after 13 s
            (80.0, EnterStep(3, "timer", 4)), (80.0, StartTimer(30.0, "timer")),
            (85.0, CancelTimer(25.0)),  # not a partner's turn
            (85.0, End("completed"))]
    assert turns_cut_short(full, plan, stopped_on_purpose=False) == 1
    stopped = full[:8] + [(70.0, CancelTimer(57.0)), (70.0, End("stopped"))]
    assert turns_cut_short(stopped, plan, stopped_on_purpose=True) == 0  # the couple's own stop
    assert turns_cut_short(stopped, plan, stopped_on_purpose=False) == 1


@pytest.mark.slow
def test_short_soak_prints_its_figures() -> None:
    korean_model()
    out = subprocess.run([sys.executable, str(SCRIPTS / "soak.py"), "--minutes", "0.5"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    report = json.loads(out)
    assert {"rss_growth_mb", "timer_drift_s", "wrong_commands", "wrong_commands_by_phase",
            "turns_cut_short"} <= report.keys()
    assert isinstance(report["wrong_commands"], int)
    assert sum(report["wrong_commands_by_phase"].values()) == report["wrong_commands"]
    assert report["audio_minutes"] >= 0.5
    assert report["timers_measured"] >= 1  # the drift figure measured something
    assert report["timer_drift_s"] <= 0.5
