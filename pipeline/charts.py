"""Bar charts drawn at build time as small inline SVG: real text, no script, no library.

A chart must read without JavaScript, be found by screen readers (``role="img"`` with a
``<title>`` and ``<desc>``) and carry its numbers both as text and as ``data-value`` on each
bar, so a test can check it against its table. Numbers are formatted by a function the caller
passes (Vietnamese ``1.234.567`` or English ``1,234,567``): the chart knows no locale.
A small :class:`Element` tree builds the markup and :func:`serialise` escapes every label and
attribute as ElementTree does (same bytes), at a fraction of its cost: a national site
draws a chart on each of tens of thousands of pages.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Formatter = Callable[[float], str]

WIDTH = 640
FONT = 12
CHAR = 7.2  # average advance of a 12px sans-serif character, for layout only
ROW = 24
MAX_LABEL = 36
PALETTE = ("#1d70b8", "#f47738", "#00703c", "#912b88")
GRID = "#d0d5da"
INK = "#0b0c0c"


@dataclass(frozen=True)
class Series:
    """One coloured set of bars: a name for the legend and one value per label."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    """What to draw: category labels, one or more series, and the words around them."""

    chart_id: str
    title: str
    desc: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    fmt: Formatter
    axis_label: str = ""


def bars(chart_id: str, title: str, desc: str, labels: Sequence[str],
         values: Sequence[float | None], fmt: Formatter, name: str = "",
         axis_label: str = "") -> Chart:
    """A single-series chart spec (the common case)."""
    return Chart(chart_id, title, desc, tuple(labels), (Series(name, tuple(values)),), fmt,
                 axis_label)


def grouped(chart_id: str, title: str, desc: str, labels: Sequence[str],
            series: Sequence[tuple[str, Sequence[float | None]]], fmt: Formatter,
            axis_label: str = "") -> Chart:
    """A multi-series chart spec: ``series`` is (name, values) pairs."""
    return Chart(chart_id, title, desc, tuple(labels),
                 tuple(Series(n, tuple(v)) for n, v in series), fmt, axis_label)


# --- helpers -------------------------------------------------------------------------------

def number(value: float) -> str:
    """A coordinate with at most one decimal: keeps the markup small."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def present(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def shorten(label: str, limit: int = MAX_LABEL) -> str:
    """A label cut to ``limit`` characters with an ellipsis (the full text stays in <title>)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def raw(value: float | None) -> str:
    """A value as plain digits for ``data-value`` (integers without a decimal point)."""
    if not present(value):
        return ""
    number_ = float(value)
    return str(int(number_)) if number_.is_integer() else repr(number_)


def text_width(text: str) -> float:
    return len(text) * CHAR


def nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` gridlines."""
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def scale_top(chart: Chart) -> tuple[float, float]:
    """The axis maximum and tick step covering every value (1 and 1 when all are zero)."""
    top = max((v for s in chart.series for v in s.values if present(v)), default=0)
    if top <= 0:
        return 1.0, 1.0
    step = nice_step(top)
    return math.ceil(top / step) * step, step


@dataclass
class Element:
    """An SVG element: tag, attributes in order, optional text, children."""

    tag: str
    attrs: dict[str, str]
    text: str | None = None
    children: list[Element] = field(default_factory=list)


def sub(parent: Element, tag: str, text: str | None = None, **attrs: str) -> Element:
    """A child element; attribute names use ``_`` for ``-`` (font_size -> font-size)."""
    element = Element(tag, {k.replace("_", "-"): v for k, v in attrs.items()}, text)
    parent.children.append(element)
    return element


TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                              "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"})


def write(element: Element, out: list[str]) -> None:
    """Append the element's markup to ``out`` (ElementTree's escaping and empty-tag form)."""
    attrs = "".join(f' {k}="{v.translate(ATTR_ESCAPES)}"' for k, v in element.attrs.items())
    if not element.text and not element.children:
        out.append(f"<{element.tag}{attrs} />")
        return
    out.append(f"<{element.tag}{attrs}>")
    if element.text:
        out.append(element.text.translate(TEXT_ESCAPES))
    for child in element.children:
        write(child, out)
    out.append(f"</{element.tag}>")


def root(chart: Chart, height: float) -> Element:
    """The <svg> with its accessible name and description."""
    svg = Element("svg", {
        "viewBox": f"0 0 {WIDTH} {number(height)}",
        "role": "img", "class": "kc-chart", "font-size": str(FONT), "fill": INK,
        "aria-labelledby": f"{chart.chart_id}-title {chart.chart_id}-desc",
    })
    sub(svg, "title", chart.title, id=f"{chart.chart_id}-title")
    sub(svg, "desc", chart.desc, id=f"{chart.chart_id}-desc")
    return svg


def legend(svg: Element, chart: Chart, y: float) -> None:
    """Colour keys with the series names, in one row (only for several series)."""
    x = 0.0
    for index, series in enumerate(chart.series):
        sub(svg, "rect", x=number(x), y=number(y), width="12", height="12",
            fill=PALETTE[index % len(PALETTE)])
        sub(svg, "text", series.name, x=number(x + 16), y=number(y + 10))
        x += 16 + text_width(series.name) + 20


def bar(parent: Element, value: float | None,
        box: tuple[float, float, float, float]) -> None:
    """One bar, its exact value in ``data-value`` (its colour comes from the series group)."""
    x, y, w, h = box
    sub(parent, "rect", x=number(x), y=number(y), width=number(max(w, 0)),
        height=number(max(h, 0)), data_value=raw(value))


def series_groups(svg: Element, chart: Chart) -> list[Element]:
    """One <g> per series carrying its colour and name, so bars need neither."""
    return [sub(svg, "g", fill=PALETTE[i % len(PALETTE)], data_series=s.name)
            for i, s in enumerate(chart.series)]


def label_text(parent: Element, full: str, short: str, **attrs: str) -> None:
    """A category label; a shortened one keeps the full text as its tooltip."""
    text = sub(parent, "text", short, **attrs)
    if short != full:
        sub(text, "title", full)


def serialise(svg: Element) -> str:
    out: list[str] = []
    write(svg, out)
    return "".join(out)


# --- horizontal bars -----------------------------------------------------------------------

def horizontal(chart: Chart) -> str:
    """Categories down the side, one bar per series, the value written after each bar."""
    count = len(chart.series)
    top_pad = 24 if count > 1 else 4
    band = ROW if count == 1 else count * 14 + 8
    bar_h = ROW - 8 if count == 1 else 12
    labels = [shorten(label) for label in chart.labels]
    label_w = min(max((text_width(t) for t in labels), default=0) + 8, WIDTH * 0.45)
    values = [chart.fmt(v) for s in chart.series for v in s.values if present(v)]
    value_w = max((text_width(t) for t in values), default=10) + 8
    plot_w = WIDTH - label_w - value_w
    top, _ = scale_top(chart)
    svg = root(chart, top_pad + band * len(labels) + 4)
    if count > 1:
        legend(svg, chart, 4)
    names = sub(svg, "g", text_anchor="end")
    for row, (full, short) in enumerate(zip(chart.labels, labels, strict=True)):
        label_text(names, full, short, x=number(label_w - 8),
                   y=number(top_pad + row * band + band / 2 + 4))
    shown = sub(svg, "g")
    for group, (index, series) in zip(series_groups(svg, chart), enumerate(chart.series),
                                      strict=True):
        for row, value in enumerate(series.values):
            length = plot_w * (value / top) if present(value) else 0
            y = top_pad + row * band + 4 + index * (bar_h + 2)
            bar(group, value, (label_w, y, length, bar_h))
            sub(shown, "text", chart.fmt(value) if present(value) else "–",
                x=number(label_w + length + 4), y=number(y + bar_h / 2 + 4))
    return serialise(svg)


# --- vertical bars -------------------------------------------------------------------------

def axis(svg: Element, chart: Chart, left: float, plot: tuple[float, float]) -> None:
    """Horizontal gridlines with formatted tick values, and the unit above the axis."""
    top_y, bottom_y = plot
    top, step = scale_top(chart)
    ticks = round(top / step)
    for i in range(ticks + 1):
        value = step * i
        y = bottom_y - (bottom_y - top_y) * value / top
        sub(svg, "line", x1=number(left), x2=str(WIDTH), y1=number(y), y2=number(y),
            stroke=GRID)
        sub(svg, "text", chart.fmt(value), x=number(left - 6), y=number(y + 4),
            text_anchor="end")
    if chart.axis_label:
        sub(svg, "text", chart.axis_label, x="0", y=number(top_y - 10))


def vertical(chart: Chart) -> str:
    """Categories along the bottom (years), series side by side, a value axis on the left."""
    count = len(chart.series)
    top, step = scale_top(chart)
    tick_texts = [chart.fmt(step * i) for i in range(round(top / step) + 1)]
    left = max(text_width(t) for t in tick_texts) + 10
    top_y = (22 if count > 1 else 0) + (28 if chart.axis_label else 12)
    bottom_y = top_y + 200
    svg = root(chart, bottom_y + 24)
    if count > 1:
        legend(svg, chart, 2)
    axis(svg, chart, left, (top_y, bottom_y))
    slot = (WIDTH - left) / max(len(chart.labels), 1)
    bar_w = slot * 0.8 / count
    names = sub(svg, "g", text_anchor="middle")
    for col, label in enumerate(chart.labels):
        sub(names, "text", label, x=number(left + col * slot + slot / 2),
            y=number(bottom_y + 16))
    shown = sub(svg, "g", text_anchor="middle") if count == 1 and slot >= 36 else None
    for group, (index, series) in zip(series_groups(svg, chart), enumerate(chart.series),
                                      strict=True):
        for col, value in enumerate(series.values):
            h = (bottom_y - top_y) * (value / top) if present(value) else 0
            x = left + col * slot + slot * 0.1 + index * bar_w
            bar(group, value, (x, bottom_y - h, bar_w, h))
            if shown is not None:
                sub(shown, "text", chart.fmt(value) if present(value) else "–",
                    x=number(x + bar_w / 2), y=number(bottom_y - h - 4))
    return serialise(svg)


def render(chart: Chart, orientation: str = "horizontal") -> str:
    """The chart as an SVG string: ``horizontal`` (categories) or ``vertical`` (years)."""
    if orientation not in ("horizontal", "vertical"):
        raise ValueError(f"unknown chart orientation: {orientation}")
    return horizontal(chart) if orientation == "horizontal" else vertical(chart)
