"""Sliding-window rates, resets and slopes."""

import pytest

from edaviz.metrics.window import CounterWindow, History, SeriesWindow, slope


def test_rate_is_advance_over_the_window_span() -> None:
    window = CounterWindow(30.0)
    assert window.rate() is None
    window.add(0.0, {0: 100, 1: 50})
    assert window.rate() is None
    window.add(2.0, {0: 120, 1: 70})
    window.add(4.0, {0: 140, 1: 90})
    assert window.rate() == pytest.approx(20.0)
    assert window.advance() == 80
    assert window.span_s == 4.0


def test_old_samples_leave_the_window() -> None:
    window = CounterWindow(10.0)
    window.add(0.0, {0: 0})
    window.add(5.0, {0: 1000})  # a burst long ago
    for t in range(10, 31, 2):
        window.add(float(t), {0: 1000 + (t - 10) * 10})
    # Only the steady 10 msg/s part remains (one anchor point before the start).
    assert window.span_s <= 12.0
    assert window.rate() == pytest.approx(10.0)


def test_decrease_is_a_reset_not_a_negative_rate() -> None:
    window = CounterWindow(30.0)
    window.add(0.0, {0: 500})
    window.add(1.0, {0: 510})
    step = window.add(2.0, {0: 3})  # topic re-created
    assert step.resets == 1
    assert step.advance == 0
    window.add(3.0, {0: 13})
    assert window.rate() == pytest.approx(20 / 3)
    assert window.resets == 1


def test_new_and_missing_keys_only_set_baselines() -> None:
    window = CounterWindow(30.0)
    window.add(0.0, {0: 10})
    step = window.add(1.0, {0: 20, 1: 1_000_000})
    assert step.advance == 10
    step = window.add(2.0, {1: 1_000_005, 0: None})
    assert step.advance == 5


def test_samples_are_bounded() -> None:
    window = CounterWindow(1e9, max_samples=8)
    for t in range(100):
        window.add(float(t), {0: t})
    assert window.samples == 8
    assert window.rate() == pytest.approx(1.0)


def test_slope_and_series() -> None:
    assert slope([(0.0, 1.0)]) is None
    assert slope([(1.0, 1.0), (1.0, 2.0)]) is None
    assert slope([(0.0, 0.0), (1.0, 2.0), (2.0, 4.0)]) == pytest.approx(2.0)
    series = SeriesWindow(10.0)
    for t in range(0, 40, 2):
        series.add(float(t), 100.0 - t)
    assert series.slope() == pytest.approx(-1.0)
    assert len(series.values()) <= 7


def test_history_keeps_the_newest() -> None:
    history = History(3)
    for value in range(5):
        history.add(value)
    assert history.as_tuple() == (2, 3, 4)
