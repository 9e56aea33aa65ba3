"""Charts: small inline SVG with real, escaped text, an accessible name and no script."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from babel.numbers import format_decimal

from pipeline import charts


def vi(value: float) -> str:
    return format_decimal(value, locale="vi")


def en(value: float) -> str:
    return format_decimal(value, locale="en")


def billions_vi(value: float) -> str:
    return format_decimal(value / 1e9, format="#,##0.0", locale="vi") + " tỷ đồng"


YEARS = [str(y) for y in range(2012, 2026)]
SPECS = {
    "single-horizontal": (charts.bars("c1", "Số đề án theo nội dung", "Mô tả",
                                      ["Đào tạo", "Hợp tác quốc tế", "Mô hình trình diễn"],
                                      [13, 0, 1234567], vi), "horizontal"),
    "grouped-horizontal": (charts.grouped("c2", "Levels", "Desc", ["National", "Local"],
                                          [("State", [11_388_000_000, 7_409_000_000]),
                                           ("Counterpart", [73_976_000_000, 29_027_000_000])],
                                          billions_vi), "horizontal"),
    "single-vertical": (charts.bars("c3", "Projects by year", "Desc", YEARS,
                                    list(range(14)), en), "vertical"),
    "grouped-vertical": (charts.grouped("c4", "Plan", "Desc", YEARS,
                                        [("Planned", [3e9] * 14), ("Approved", [2e9] * 14),
                                         ("Disbursed", [1e9] * 14)], en, "billion VND"),
                         "vertical"),
    "all-zero": (charts.bars("c5", "Nothing", "Desc", ["a", "b"], [0, 0], en), "vertical"),
    "missing-ratio": (charts.bars("c6", "Leverage", "Desc", ["a", "b"], [2.5, None], en),
                      "horizontal"),
}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def tag(element: ET.Element) -> str:
    return element.tag.split("}")[-1]


def texts(svg: str) -> list[str]:
    return [e.text for e in parse(svg).iter() if tag(e) == "text"]


def data_values(svg: str) -> list[str]:
    return [e.get("data-value") for e in parse(svg).iter() if tag(e) == "rect"
            and e.get("data-value") is not None]


@pytest.mark.parametrize("name", list(SPECS))
def test_chart_is_small_accessible_text_without_script(name):
    spec, orientation = SPECS[name]
    svg = charts.render(spec, orientation)
    tree = parse(svg)
    assert len(svg.encode()) < 30_000
    assert tree.get("role") == "img"
    assert f"{spec.chart_id}-title {spec.chart_id}-desc" == tree.get("aria-labelledby")
    children = [tag(c) for c in tree][:2]
    assert children == ["title", "desc"]
    assert spec.title == tree[0].text
    assert [e for e in tree.iter() if tag(e) in ("script", "foreignObject", "path")] == []
    assert not any(a.startswith("on") for e in tree.iter() for a in e.attrib)
    assert texts(svg)


@pytest.mark.parametrize(("name", "expected"), [
    ("single-horizontal", ["13", "0", "1234567"]),
    ("grouped-horizontal", ["11388000000", "7409000000", "73976000000", "29027000000"]),
    ("single-vertical", [str(v) for v in range(14)]),
    ("missing-ratio", ["2.5", ""]),
])
def test_every_bar_carries_its_exact_value(name, expected):
    """Bars come series by series, in label order within a series."""
    spec, orientation = SPECS[name]
    assert expected == data_values(charts.render(spec, orientation))


@pytest.mark.parametrize(("name", "expected"), [
    ("single-horizontal", ["Đào tạo", "Hợp tác quốc tế", "Mô hình trình diễn", "13", "0",
                           "1.234.567"]),
    ("grouped-horizontal", ["State", "Counterpart", "National", "Local", "11,4 tỷ đồng",
                            "7,4 tỷ đồng", "74,0 tỷ đồng", "29,0 tỷ đồng"]),
    ("missing-ratio", ["a", "b", "2.5", "–"]),
])
def test_horizontal_labels_and_values_are_text_in_the_readers_format(name, expected):
    spec, orientation = SPECS[name]
    assert expected == texts(charts.render(spec, orientation))


def test_vertical_axis_uses_the_formatter_and_shows_every_label():
    spec, _ = SPECS["grouped-vertical"]
    shown = texts(charts.render(spec, "vertical"))
    assert {"0", "1,000,000,000", "3,000,000,000", "billion VND", "Planned"} <= set(shown)
    assert [t for t in shown if t in YEARS] == YEARS


def test_text_is_escaped():
    spec = charts.bars("c7", "A <b> & \"c\"", "<script>alert(1)</script>", ["<x>"], [1], en)
    svg = charts.render(spec)
    assert "<script>" not in svg and "<b>" not in svg and "<x>" not in svg
    assert parse(svg)[0].text == "A <b> & \"c\""


def test_long_labels_are_shortened_with_the_full_text_kept():
    label = "Xây dựng mô hình trình diễn kỹ thuật, chuyển giao công nghệ và ứng dụng máy móc"
    svg = charts.render(charts.bars("c8", "T", "D", [label], [5], vi))
    shown = texts(svg)
    assert shown[0].endswith("…") and len(shown[0]) == charts.MAX_LABEL
    assert label in [e.text for e in parse(svg).iter() if tag(e) == "title"]


@pytest.mark.parametrize(("top", "expected"), [
    (8, 2), (11, 5), (1, 0.25), (2_864_000_000, 1_000_000_000), (103, 50), (0.066, 0.02),
])
def test_nice_step(top, expected):
    assert expected == pytest.approx(charts.nice_step(top))


def test_unknown_orientation_stops():
    with pytest.raises(ValueError, match="diagonal"):
        charts.render(SPECS["all-zero"][0], "diagonal")


def element_tree(element: charts.Element) -> ET.Element:
    """The same tree built with ElementTree, the reference for the markup."""
    made = ET.Element(element.tag, element.attrs)
    made.text = element.text
    made.extend(element_tree(child) for child in element.children)
    return made


@pytest.mark.parametrize(("text", "attribute"), [
    ("plain", "plain"),
    ("A <b> & \"c\" 'd'", "A <b> & \"c\" 'd'"),
    ("Huyện Hòa An\nxã", "line\nbreak\tand\rreturn"),
    (None, ""),                                   # an empty element: <tag ... />
    ("", "&amp; already"),
])
def test_markup_is_written_and_escaped_as_element_tree_does(text, attribute):
    svg = charts.Element("svg", {"role": "img", "data-x": attribute})
    charts.sub(svg, "title", text, data_note=attribute)
    group = charts.sub(svg, "g", fill="#fff")
    charts.sub(group, "rect", x="1", data_value=attribute)
    assert ET.tostring(element_tree(svg), encoding="unicode") == charts.serialise(svg)
