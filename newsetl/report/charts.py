"""Tiny inline-SVG bar charts for the run report: no script, no fonts, no network.

This module lays the bars out; ``templates/charts.html`` draws them, escaping every
label (untrusted text from the web) as Jinja2's autoescape does for the whole report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

BAR_COLOUR = "#3b6ea8"
TEXT_COLOUR = "#333"
MAX_LABEL = 32


@dataclass(frozen=True)
class Bar:
    label: str  # in full, for the hover title
    short: str  # as printed beside the bar
    value: str
    x: str
    y: str
    width: str
    height: str
    value_x: str
    value_y: str
    label_x: str
    label_y: str


@dataclass(frozen=True)
class Axis:
    x1: int
    x2: int
    y: int


@dataclass(frozen=True)
class Rule:
    """A horizontal line across a column chart at a value (a check's threshold)."""
    label: str
    y: str
    x1: int
    x2: int
    colour: str


RULE_COLOURS = {"warn": "#b26a00", "fail": "#c62828"}


@dataclass(frozen=True)
class Chart:
    kind: str  # "hbar" or "column"
    title: str
    chart_id: str
    width: int = 0
    height: int = 0
    bars: list[Bar] = field(default_factory=list)  # none: the chart says "No data."
    axis: Axis | None = None
    rules: list[Rule] = field(default_factory=list)
    bar_colour: str = BAR_COLOUR
    text_colour: str = TEXT_COLOUR


def _short(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def hbar_chart(items: Sequence[tuple[str, float]], title: str, chart_id: str) -> Chart:
    """Horizontal bars, one per (label, value), in the order given: for categories
    whose labels are long (sources, entities, speakers)."""
    if not items:
        return Chart("hbar", title, chart_id)
    label_w, bar_w, row_h, pad = 230, 320, 22, 6
    top = max(value for _, value in items) or 1
    bars = []
    for i, (label, value) in enumerate(items):
        y = pad + i * row_h
        w = max(1.0, bar_w * value / top)  # a zero still shows as a hairline
        text_y = f"{y + row_h * 0.68:.1f}"
        bars.append(Bar(label, _short(label), _fmt(value), str(label_w), str(y + 3), f"{w:.1f}", str(row_h - 6),
                        f"{label_w + w + 6:.1f}", text_y, str(label_w - 8), text_y))
    return Chart("hbar", title, chart_id, label_w + bar_w + 70, len(items) * row_h + 2 * pad, bars)


def column_chart(items: Sequence[tuple[str, float]], title: str, chart_id: str,
                 rules: Sequence[tuple[str, float]] = ()) -> Chart:
    """Vertical bars, one per (label, value), left to right: for a time axis (days, runs).
    ``rules``: (name, value) lines across the chart, e.g. a check's warn and fail limits."""
    if not items:
        return Chart("column", title, chart_id)
    plot_h, col_w, pad, axis_h = 160, max(12, min(48, 560 // len(items))), 24, 70
    top = max([value for _, value in items] + [value for _, value in rules]) or 1
    width = pad * 2 + col_w * len(items) + (60 if rules else 0)  # room for the rules' names
    base = pad + plot_h
    bars = []
    for i, (label, value) in enumerate(items):
        x = pad + i * col_w
        h = max(1.0, plot_h * value / top)
        cx = x + col_w / 2
        bars.append(Bar(label, _short(label, 12), _fmt(value), str(x + 2), f"{base - h:.1f}", str(col_w - 4),
                        f"{h:.1f}", f"{cx:.1f}", f"{base - h - 4:.1f}", f"{cx + 4:.1f}", str(base + 8)))
    lines = [Rule(f"{name} > {_fmt(value)}", f"{base - plot_h * value / top:.1f}", pad, width - pad - 60,
                  RULE_COLOURS.get(name, TEXT_COLOUR)) for name, value in rules]
    return Chart("column", title, chart_id, width, base + axis_h, bars, Axis(pad, width - pad, base), lines)
