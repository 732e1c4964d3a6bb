"""The benchmark harness's arithmetic (bench/_harness.py): per-round ratios, their median, the
alternating order and the load line. Pure functions only; no benchmark runs here."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

_PATH = Path(__file__).resolve().parents[2] / "bench" / "_harness.py"


def _load_harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_harness", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module while being defined
    spec.loader.exec_module(module)
    return module


harness = _load_harness()


def test_each_round_divides_the_target_by_the_bare_app_of_the_same_round() -> None:
    assert harness.round_ratios([100.0, 300.0], [1000.0, 1000.0]) == [0.1, 0.3]


def test_a_round_where_the_bare_app_served_nothing_counts_as_no_ratio() -> None:
    ratios = harness.round_ratios([100.0, 200.0], [0.0, 1000.0])
    assert math.isnan(ratios[0])
    assert ratios[1] == 0.2


def test_ratios_need_one_bare_measurement_per_target_measurement() -> None:
    with pytest.raises(ValueError):
        harness.round_ratios([1.0, 2.0], [1.0])


def test_the_median_is_taken_over_the_rounds_that_count() -> None:
    assert harness.median_ratio([0.30, 0.10, 0.20]) == pytest.approx(0.20)
    assert harness.median_ratio([0.10, 0.20, 0.30, 0.40]) == pytest.approx(0.25)
    assert harness.median_ratio([math.nan, 0.3, 0.1]) == pytest.approx(0.2)


def test_the_median_of_no_usable_round_is_not_a_number() -> None:
    assert math.isnan(harness.median_ratio([]))
    assert math.isnan(harness.median_ratio([math.nan]))


def test_one_outlier_round_does_not_move_the_median() -> None:
    assert harness.median_ratio([0.23, 0.24, 0.55, 0.22, 0.23]) == pytest.approx(0.23)


def test_rounds_alternate_which_side_goes_first() -> None:
    assert [harness.target_first(i) for i in range(4)] == [True, False, True, False]


def test_a_round_reports_its_own_ratio() -> None:
    target = harness.WrkResult(250.0, 1.0, 2.0, 0)
    bare = harness.WrkResult(1000.0, 0.5, 1.0, 0)
    assert harness.Round(1, target, bare).ratio == pytest.approx(0.25)


def test_the_load_line_names_the_cpus_and_both_moments() -> None:
    before = harness.MachineLoad(1.0, 2.0, 3.0, 2)
    after = harness.MachineLoad(4.0, 5.0, 6.0, 2)
    line = harness.load_report(before, after)
    assert "2 CPUs" in line
    assert "before 1.00 / 2.00 / 3.00" in line
    assert "after 4.00 / 5.00 / 6.00" in line


def test_load_is_only_ever_sent_to_loopback() -> None:
    with pytest.raises(ValueError):
        harness.Endpoint("http://example.com/", {})
    assert harness.Endpoint("http://127.0.0.1:8360/x", {}).url.endswith("/x")
