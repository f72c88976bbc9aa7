"""Charts drawn on the server as inline SVG: no script, no library, works offline."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_COLOUR = "#3b6ea5"


def bar_chart(items: Sequence[tuple[str, float]], *, unit: str = "", width: int = 560, bar_height: int = 22,
              title: str = "") -> Markup:
    """Horizontal bars, one per (label, value), each with its value written after it; scales down to its box."""
    if not items:
        return Markup('<p class="muted">No data yet.</p>')
    top = max(v for _, v in items) or 1
    label_width = min(320, 16 + 7 * max(len(label) for label, _ in items))  # about 7 px per character at 13 px
    gap, plot = 8, width - label_width - 80
    height = len(items) * (bar_height + gap) + gap
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar_height + gap)
        length = max(1.0, plot * value / top) if value else 0
        shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" font-size="13">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{BAR_COLOUR}" rx="3"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar_height * 0.7:.1f}" font-size="13">{escape(shown)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
