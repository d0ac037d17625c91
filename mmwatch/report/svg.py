"""Small inline-SVG charts for report.html: lines, steps and points over UTC time.

The report must open anywhere with no network, so no JavaScript and no chart library: a chart is a
string of SVG drawn here, with axes, "nice" ticks, a legend and an optional threshold line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

WIDTH, HEIGHT = 760, 260
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 64, 16, 46, 34
LEGEND_Y = 32  # the legend sits between the title and the plot, never over the data
MAX_POINTS = 2000  # per layer; denser series are thinned (every k-th point, the last kept)

Point = tuple[float, float]


@dataclass
class Layer:
    """One thing drawn on a chart. ``kind``: ``line``, ``step`` (holds its value until the next
    point), ``points`` (circles) or ``hollow`` (open circles)."""

    label: str
    points: Sequence[Point]
    color: str
    kind: str = "line"
    radius: float = 3.5


@dataclass
class Chart:
    title: str
    y_label: str
    layers: list[Layer] = field(default_factory=list)
    thresholds: list[tuple[float, str]] = field(default_factory=list)  # (y, label): dashed lines
    y_format: str = "{:,.2f}"
    y_categories: dict[float, str] | None = None  # draw these labels instead of numeric ticks
    x_range: tuple[float, float] | None = None  # (start, end) seconds; default: the data's extent


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^k steps) covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def _time_ticks(lo: float, hi: float) -> list[float]:
    span = max(hi - lo, 1.0)
    step = next(
        (s for s in (1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400) if span / s <= 8),
        86400 * math.ceil(span / 86400 / 8),
    )
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) // step) + 1)]


def _time_label(t: float, with_seconds: bool) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S" if with_seconds else "%H:%M")


def _thin(points: Sequence[Point]) -> list[Point]:
    pts = [p for p in points if p[0] is not None and p[1] is not None]
    if len(pts) <= MAX_POINTS:
        return pts
    k = math.ceil(len(pts) / MAX_POINTS)
    return pts[::k] + ([pts[-1]] if (len(pts) - 1) % k else [])


def render_chart(chart: Chart, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The chart as an ``<svg>`` element; a short note instead when there is nothing to draw."""
    layers = [Layer(ly.label, _thin(ly.points), ly.color, ly.kind, ly.radius) for ly in chart.layers]
    pts = [p for ly in layers for p in ly.points]
    if not pts:
        return f"<p class='nodata'>{escape(chart.title)}: no data in the log.</p>"
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts] + [y for y, _ in chart.thresholds]
    x0, x1 = chart.x_range if chart.x_range else (min(xs), max(xs))
    x0, x1 = min(x0, min(xs)), max(x1, max(xs))
    if x1 - x0 < 1:
        x0, x1 = x0 - 30, x1 + 30
    y0, y1 = min(ys), max(ys)
    pad = (y1 - y0) * 0.08 if y1 > y0 else (abs(y0) * 0.05 or 1.0)
    y0, y1 = y0 - pad, y1 + pad
    pw, ph = width - MARGIN_L - MARGIN_R, height - MARGIN_T - MARGIN_B

    def sx(x: float) -> float:
        return MARGIN_L + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return MARGIN_T + (1 - (y - y0) / (y1 - y0)) * ph

    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='{width}' "
        f"height='{height}' role='img' aria-label='{escape(chart.title)}' class='chart'>",
        f"<text x='{MARGIN_L}' y='16' class='ct'>{escape(chart.title)}</text>",
        f"<rect x='{MARGIN_L}' y='{MARGIN_T}' width='{pw}' height='{ph}' class='plot'/>",
    ]
    if chart.y_categories:
        yticks = [(y, label) for y, label in chart.y_categories.items()]
    else:
        yticks = [(v, chart.y_format.format(0.0 if abs(v) < 1e-12 else v)) for v in nice_ticks(y0, y1)]
    for v, label in yticks:
        y = sy(v)
        out.append(f"<line x1='{MARGIN_L}' x2='{MARGIN_L + pw}' y1='{y:.1f}' y2='{y:.1f}' class='grid'/>")
        out.append(f"<text x='{MARGIN_L - 6}' y='{y + 4:.1f}' class='yt'>{escape(label)}</text>")
    with_seconds = x1 - x0 < 600
    for t in _time_ticks(x0, x1):
        x = sx(t)
        out.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{MARGIN_T}' y2='{MARGIN_T + ph}' class='grid'/>")
        out.append(
            f"<text x='{x:.1f}' y='{MARGIN_T + ph + 14}' class='xt'>{_time_label(t, with_seconds)}</text>"
        )
    out.append(f"<text x='{MARGIN_L + pw}' y='{height - 4}' class='xl'>UTC</text>")
    out.append(
        f"<text x='12' y='{MARGIN_T + ph / 2:.1f}' class='yl' "
        f"transform='rotate(-90 12 {MARGIN_T + ph / 2:.1f})'>{escape(chart.y_label)}</text>"
    )
    for value, label in chart.thresholds:
        y = sy(value)
        out.append(f"<line x1='{MARGIN_L}' x2='{MARGIN_L + pw}' y1='{y:.1f}' y2='{y:.1f}' class='thr'/>")
        out.append(f"<text x='{MARGIN_L + pw - 4}' y='{y - 4:.1f}' class='tl'>{escape(label)}</text>")
    for ly in layers:
        if not ly.points:
            continue
        if ly.kind in ("line", "step"):
            coords: list[str] = []
            prev_y: float | None = None
            for x, y in ly.points:
                if ly.kind == "step" and prev_y is not None:
                    coords.append(f"{sx(x):.1f},{sy(prev_y):.1f}")
                coords.append(f"{sx(x):.1f},{sy(y):.1f}")
                prev_y = y
            if len(ly.points) == 1:
                x, y = ly.points[0]
                out.append(f"<circle cx='{sx(x):.1f}' cy='{sy(y):.1f}' r='3' fill='{ly.color}'/>")
            else:
                out.append(
                    f"<polyline points='{' '.join(coords)}' fill='none' stroke='{ly.color}' "
                    f"stroke-width='1.6'/>"
                )
        else:
            fill = ly.color if ly.kind == "points" else "white"
            out.extend(
                f"<circle cx='{sx(x):.1f}' cy='{sy(y):.1f}' r='{ly.radius}' fill='{fill}' "
                f"stroke='{ly.color}' stroke-width='1.5'/>"
                for x, y in ly.points
            )
    lx = MARGIN_L
    for ly in (ly for ly in layers if ly.points):  # an empty layer gets no legend entry
        label = f"{ly.label} ({len(ly.points)})" if ly.kind in ("points", "hollow") else ly.label
        if ly.kind in ("points", "hollow"):
            fill = ly.color if ly.kind == "points" else "white"
            out.append(f"<circle cx='{lx + 5}' cy='{LEGEND_Y - 4}' r='4' fill='{fill}' stroke='{ly.color}'/>")
        else:
            out.append(
                f"<line x1='{lx}' x2='{lx + 12}' y1='{LEGEND_Y - 4}' y2='{LEGEND_Y - 4}' "
                f"stroke='{ly.color}' stroke-width='2.5'/>"
            )
        out.append(f"<text x='{lx + 16}' y='{LEGEND_Y}' class='lg'>{escape(label)}</text>")
        lx += 24 + 6.5 * len(label)
    out.append("</svg>")
    return "".join(out)


#: CSS for the classes used above; report.html inlines it.
CHART_CSS = (
    "svg.chart{background:#fff;max-width:100%;height:auto;font-family:system-ui,sans-serif}"
    "svg.chart .ct{font-size:13px;font-weight:600;fill:#222}"
    "svg.chart .plot{fill:#fbfbfd;stroke:#ccc}"
    "svg.chart .grid{stroke:#e6e6ea;stroke-width:1}"
    "svg.chart .yt{font-size:10px;text-anchor:end;fill:#555}"
    "svg.chart .xt{font-size:10px;text-anchor:middle;fill:#555}"
    "svg.chart .xl{font-size:10px;text-anchor:end;fill:#888}"
    "svg.chart .yl{font-size:10px;text-anchor:middle;fill:#555}"
    "svg.chart .thr{stroke:#c0392b;stroke-dasharray:5 4;stroke-width:1.2}"
    "svg.chart .tl{font-size:10px;text-anchor:end;fill:#c0392b}"
    "svg.chart .lg{font-size:11px;fill:#333}"
)
