"""Geometry of the usage page's bar charts, computed on the server: no chart library, no
JavaScript, and the page reads the same with scripts off. The template only draws what this
returns (rectangles, gridlines and labels in SVG user units)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 720
HEIGHT = 220
LEFT = 56  # room for the y-axis labels
RIGHT = 8
TOP = 12
BOTTOM = 28  # room for the day labels


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # shown as the bar's tooltip and read by screen readers


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    plot_bottom: float
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[XLabel]


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times 10^n at or above ``value`` (an axis that reads well)."""
    if value <= 0:
        return 1.0
    power = float(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-12:
            return float(step * power)
    return float(10 * power)  # pragma: no cover (10 always fits)


def whole_step(value: float) -> int:
    """The smallest of 1, 2, 5 times 10^n at or above ``value``: a gridline step for counts."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def bar_chart(
    days: Sequence[str],
    values: Sequence[float],
    fmt: str = "{:g}",
    unit: str = "",
    *,
    whole: bool = False,
) -> Chart:
    """Bars for ``values`` (one per day label), four gridlines, about eight day labels.

    ``whole``: the values are counts, so every gridline sits on a whole number (an empty
    chart reads 0 to 4, not 0, 0, 0, 1, 1 from a scale of 1 rounded)."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_height
    highest = max(values, default=0.0)
    top_value = 4.0 * whole_step(highest / 4) if whole else nice_ceiling(highest)
    slot = plot_width / max(len(values), 1)
    gap = min(4.0, slot * 0.2)
    bars = []
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        height = plot_height * (value / top_value) if value > 0 else 0.0
        bars.append(
            Bar(
                x=round(LEFT + index * slot + gap / 2, 2),
                y=round(bottom - height, 2),
                width=round(max(slot - gap, 1.0), 2),
                height=round(height, 2),
                title=f"{day}: {fmt.format(value)}{unit}",
            )
        )
    ticks = [
        Tick(round(bottom - plot_height * n / 4, 2), fmt.format(top_value * n / 4))
        for n in range(5)
    ]
    every = max(1, math.ceil(len(days) / 8))
    labels = [
        XLabel(round(LEFT + index * slot + slot / 2, 2), day[5:])  # MM-DD
        for index, day in enumerate(days)
        if index % every == 0
    ]
    return Chart(WIDTH, HEIGHT, LEFT, bottom, bars, ticks, labels)
