"""SVG charts for the final report, drawn in Python: no scripts, no downloads, the same bytes in the web
page and the PDF.

Each chart is an image with a title and a description a screen reader announces (``role="img"`` and
``aria-labelledby``), and writes its figures as text beside the bars, so nothing depends on colour
alone; the report also puts a table behind every chart. Horizontal bars, because labels (questions,
objectives) are long and read left to right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

BLUE, PALE_BLUE, GREEN, AMBER, RED, GREY = "#005eb8", "#41b6e6", "#007f3b", "#ffb81c", "#d5281b", "#768692"
TEXT = "#212b32"
LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 250, 300, 110
WIDTH = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
ROW, PAD, LABEL_CHARS = 28, 12, 38


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (drawn to scale), the figure as written beside it, its colour."""

    label: str
    value: float
    text: str
    colour: str = BLUE


@dataclass(frozen=True)
class Pair:
    """Two bars for one label (baseline and repeat); a value of None draws no bar and says why."""

    label: str
    first: float | None
    second: float | None
    first_text: str
    second_text: str


def short(label: str, limit: int = LABEL_CHARS) -> str:
    """A label cut to fit the chart (the table behind it has the whole text)."""
    text = " ".join(label.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Arial, Helvetica, sans-serif" font-size="13">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def _scale(values: Sequence[float], max_value: float | None) -> float:
    top = max([abs(v) for v in values] + [max_value or 0.0])
    return BAR_WIDTH / top if top > 0 else 0.0


def _label(y: float, text: str) -> str:
    return f'<text x="{LABEL_WIDTH - 8}" y="{y:.1f}" text-anchor="end" fill="{TEXT}">{escape(short(text))}</text>'


def bar_chart(chart_id: str, title: str, desc: str, bars: Sequence[Bar], *, max_value: float | None = None) -> str:
    """Horizontal bars from a zero line; a negative value (a net loss) is drawn as a short red mark at
    the line with its figure, never as a bar to the left that would read as a label."""
    height = PAD * 2 + ROW * max(1, len(bars))
    out = _open(chart_id, title, desc, height)
    per = _scale([b.value for b in bars], max_value)
    for i, b in enumerate(bars):
        y = PAD + i * ROW
        width = max(0.0, b.value) * per
        out.append(_label(y + ROW * 0.62, b.label))
        colour = RED if b.value < 0 else b.colour
        drawn = max(width, 2.0)
        out.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{drawn:.1f}" height="{ROW - 8}" fill="{colour}">'
            f"<title>{escape(b.label)}: {escape(b.text)}</title></rect>"
        )
        out.append(
            f'<text x="{LABEL_WIDTH + drawn + 6:.1f}" y="{y + ROW * 0.62:.1f}" fill="{TEXT}">{escape(b.text)}</text>'
        )
    out.append(f'<line x1="{LABEL_WIDTH}" y1="{PAD}" x2="{LABEL_WIDTH}" y2="{height - PAD}" stroke="{TEXT}" />')
    out.append("</svg>")
    return "\n".join(out)


def paired_chart(
    chart_id: str, title: str, desc: str, pairs: Sequence[Pair], *, legend: tuple[str, str], max_value: float = 100
) -> str:
    """Two bars per label (the first pale, the second dark) with a legend, e.g. baseline against repeat."""
    legend_height = 24
    height = PAD * 2 + legend_height + ROW * 2 * max(1, len(pairs))
    out = _open(chart_id, title, desc, height)
    colours = (PALE_BLUE, BLUE)
    for k, (name, colour) in enumerate(zip(legend, colours, strict=True)):
        x = LABEL_WIDTH + k * 150
        out.append(f'<rect x="{x}" y="{PAD}" width="14" height="14" fill="{colour}" />')
        out.append(f'<text x="{x + 20}" y="{PAD + 12}" fill="{TEXT}">{escape(name)}</text>')
    values = [v for p in pairs for v in (p.first, p.second) if v is not None]
    per = _scale(values, max_value)
    for i, p in enumerate(pairs):
        y = PAD + legend_height + i * ROW * 2
        out.append(_label(y + ROW * 0.9, p.label))
        for k, (value, text) in enumerate(((p.first, p.first_text), (p.second, p.second_text))):
            top = y + k * (ROW - 6) + 3
            name = legend[k]
            if value is None:
                out.append(
                    f'<text x="{LABEL_WIDTH + 6}" y="{top + 14}" fill="{TEXT}">{escape(name)}: {escape(text)}</text>'
                )
                continue
            width = max(2.0, value * per)
            out.append(
                f'<rect x="{LABEL_WIDTH}" y="{top}" width="{width:.1f}" height="{ROW - 10}" fill="{colours[k]}">'
                f"<title>{escape(p.label)}, {escape(name)}: {escape(text)}</title></rect>"
            )
            out.append(f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{top + 14}" fill="{TEXT}">{escape(text)}</text>')
    top_line = PAD + legend_height
    out.append(f'<line x1="{LABEL_WIDTH}" y1="{top_line}" x2="{LABEL_WIDTH}" y2="{height - PAD}" stroke="{TEXT}" />')
    out.append("</svg>")
    return "\n".join(out)
