"""The press recogniser: short, long and double presses, and contact bounce, on a hand-moved clock."""

from __future__ import annotations

from voiceguide.button.presses import PressRecogniser, Timing

T = Timing(debounce_s=0.03, long_s=0.8, double_s=0.35)


def run(edges: list[tuple[float, str]], until: float) -> list[tuple[float, str]]:
    """Feed (time, "down"/"up") edges, polling every 10 ms as an input thread would; (time, gesture)."""
    rec = PressRecogniser(T, clock=lambda: 0.0)
    out: list[tuple[float, str]] = []
    edges = sorted(edges)
    t = 0.0
    while t <= until + 1e-9:
        while edges and edges[0][0] <= t + 1e-9:
            when, kind = edges.pop(0)
            out += [(when, g) for g in (rec.down(when) if kind == "down" else rec.up(when))]
        out += [(round(t, 3), g) for g in rec.poll(t)]
        t = round(t + 0.01, 3)
    return out


def gestures(edges: list[tuple[float, str]], until: float = 3.0) -> list[str]:
    return [g for _, g in run(edges, until)]


def test_a_short_press_counts_once_the_double_press_window_has_passed():
    got = run([(0.1, "down"), (0.25, "up")], 2.0)
    assert [g for _, g in got] == ["short"]
    assert 0.25 + 0.35 <= got[0][0] < 0.25 + 0.35 + 0.02


def test_a_long_press_counts_while_still_held_and_its_release_means_nothing():
    got = run([(0.1, "down"), (2.5, "up")], 3.5)
    assert [g for _, g in got] == ["long"]
    assert 0.9 <= got[0][0] < 0.92  # under the finger, not at the release


def test_a_double_press_counts_on_the_second_press_and_nothing_else_does():
    got = run([(0.1, "down"), (0.2, "up"), (0.4, "down"), (0.5, "up")], 2.0)
    assert got == [(0.4, "double")]


def test_two_presses_further_apart_than_the_window_are_two_short_presses():
    assert gestures([(0.1, "down"), (0.2, "up"), (0.7, "down"), (0.8, "up")]) == ["short", "short"]


def test_a_held_second_press_is_still_one_double_not_a_long_press():
    assert gestures([(0.1, "down"), (0.2, "up"), (0.4, "down"), (2.0, "up")]) == ["double"]


def test_contact_bounce_on_press_and_release_is_one_short_press():
    chatter = [(0.100, "down"), (0.103, "up"), (0.105, "down"), (0.109, "up"), (0.112, "down"),
               (0.300, "up"), (0.302, "down"), (0.306, "up"), (0.309, "down"), (0.311, "up")]
    assert gestures(chatter) == ["short"]


def test_bounce_is_not_taken_for_a_double_press():
    # the release bounces back down 20 ms later: within the lockout, so it never counts
    assert gestures([(0.1, "down"), (0.2, "up"), (0.22, "down"), (0.225, "up")]) == ["short"]


def test_a_very_quick_tap_inside_the_lockout_is_a_short_press_not_an_endless_hold():
    assert gestures([(0.1, "down"), (0.115, "up")]) == ["short"]


def test_key_repeat_while_held_changes_nothing():
    edges = [(0.1, "down")] + [(0.1 + 0.05 * i, "down") for i in range(1, 30)] + [(2.0, "up")]
    assert gestures(edges) == ["long"]


def test_next_due_says_when_to_poll():
    rec = PressRecogniser(T, clock=lambda: 0.0)
    assert rec.next_due() is None
    rec.down(1.0)
    assert rec.next_due() == 1.8
    rec.up(1.2)
    assert abs(rec.next_due() - 1.55) < 1e-9
    assert rec.poll(1.5) == []
    assert rec.poll(1.55) == ["short"]
    assert rec.next_due() is None


def test_the_injected_clock_is_used_when_no_time_is_given():
    now = [5.0]
    rec = PressRecogniser(T, clock=lambda: now[0])
    rec.down()
    now[0] = 5.1
    rec.up()
    now[0] = 5.5
    assert rec.poll() == ["short"]


def test_reset_forgets_a_press_cut_off_by_an_unplugged_device():
    rec = PressRecogniser(T, clock=lambda: 0.0)
    rec.down(0.0)
    rec.reset()
    assert rec.poll(5.0) == [] and not rec.pressed


def test_without_a_double_press_window_a_short_press_counts_on_release():
    rec = PressRecogniser(Timing(double_s=0.0), clock=lambda: 0.0)
    rec.down(0.0)
    assert rec.up(0.1) == ["short"]
