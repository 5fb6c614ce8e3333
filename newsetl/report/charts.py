"""Tiny inline-SVG bar charts for the run report: no script, no fonts, no network.

Every label is untrusted text from the web, so all of it goes through ``html.escape``.
Each bar is a ``<rect class="mark">`` with a ``<title>`` (the full label and value), so
a browser shows the exact number on hover and a test can count what was drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR_COLOUR = "#3b6ea8"
TEXT_COLOUR = "#333"
MAX_LABEL = 32


def _short(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _empty(title: str) -> str:
    return f'<figure class="chart empty"><figcaption>{escape(title)}</figcaption><p>No data.</p></figure>'


def hbar_chart(items: Sequence[tuple[str, float]], title: str, chart_id: str) -> str:
    """Horizontal bars, one per (label, value), in the order given: for categories
    whose labels are long (sources, entities, speakers)."""
    if not items:
        return _empty(title)
    label_w, bar_w, row_h, pad = 230, 320, 22, 6
    top = max(value for _, value in items) or 1
    height = len(items) * row_h + 2 * pad
    width = label_w + bar_w + 70
    parts = []
    for i, (label, value) in enumerate(items):
        y = pad + i * row_h
        w = max(1.0, bar_w * value / top)  # a zero still shows as a hairline
        tip = escape(f"{label}: {_fmt(value)}")
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row_h * 0.68:.1f}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect class="mark" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{BAR_COLOUR}">'
            f"<title>{tip}</title></rect>"
            f'<text x="{label_w + w + 6:.1f}" y="{y + row_h * 0.68:.1f}">{_fmt(value)}</text>'
        )
    return _figure(title, chart_id, width, height, "".join(parts))


def column_chart(items: Sequence[tuple[str, float]], title: str, chart_id: str) -> str:
    """Vertical bars, one per (label, value), left to right: for a time axis (days)."""
    if not items:
        return _empty(title)
    plot_h, col_w, pad, axis_h = 160, max(12, min(48, 560 // len(items))), 24, 70
    top = max(value for _, value in items) or 1
    width = pad * 2 + col_w * len(items)
    height = pad + plot_h + axis_h
    base = pad + plot_h
    parts = [f'<line x1="{pad}" y1="{base}" x2="{width - pad}" y2="{base}" stroke="#999"/>']
    for i, (label, value) in enumerate(items):
        x = pad + i * col_w
        h = max(1.0, plot_h * value / top)
        cx = x + col_w / 2
        tip = escape(f"{label}: {_fmt(value)}")
        parts.append(
            f'<rect class="mark" x="{x + 2}" y="{base - h:.1f}" width="{col_w - 4}" height="{h:.1f}" '
            f'fill="{BAR_COLOUR}"><title>{tip}</title></rect>'
            f'<text x="{cx:.1f}" y="{base - h - 4:.1f}" text-anchor="middle">{_fmt(value)}</text>'
            f'<text transform="translate({cx + 4:.1f},{base + 8}) rotate(-60)" text-anchor="end">'
            f"{escape(_short(label, 12))}</text>"
        )
    return _figure(title, chart_id, width, height, "".join(parts))


def _figure(title: str, chart_id: str, width: int, height: int, body: str) -> str:
    return (
        f'<figure class="chart" id="{escape(chart_id)}"><figcaption>{escape(title)}</figcaption>'
        f'<svg role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="sans-serif" font-size="12" fill="{TEXT_COLOUR}">{body}</svg></figure>'
    )
