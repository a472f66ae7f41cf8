"""Restitution charts: well-formed accessible SVG and a table showing the same data."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation

from wagtail_participation.restitution import charts
from wagtail_participation.restitution.charts import bar_chart, percents, share_chart

SVG = "{http://www.w3.org/2000/svg}"
TEMPLATE = Path(charts.__file__).parent / "templates/wagtail_participation/blocks/chart.html"
NBSP = "\N{NO-BREAK SPACE}"
HOSTILE = '<script>alert("x")</script> "&'


def parse(chart):
    return ET.fromstring(str(chart.svg))


def texts(root):
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def bars(root):
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "participation-chart-bar"]


def segments(root):
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "participation-chart-segment"]


def render(chart):
    # Rendered from the file itself, whether or not the restitution app is installed.
    return engines["django"].from_string(TEMPLATE.read_text()).render({"chart": chart})


class TableCells(HTMLParser):
    """The text of each table row's cells, header row included."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.caption = [], None, ""
        self.in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self.cell = ""
        elif tag == "caption":
            self.in_caption = True

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self.rows[-1].append(self.cell.strip())
            self.cell = None
        elif tag == "caption":
            self.in_caption = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        elif self.in_caption:
            self.caption += data


def table_of(html):
    parser = TableCells()
    parser.feed(html)
    return parser


# Accessibility ------------------------------------------------------------------------------


def test_svg_is_an_image_named_by_its_title_and_description():
    chart = bar_chart("Contributions", [("Centre", 12), ("Gare", 5), ("Prés", 3)])
    root = parse(chart)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 600 \d+", root.get("viewBox"))
    title, desc = list(root)[:2]
    assert title.tag == f"{SVG}title" and title.text == "Contributions"
    assert desc.tag == f"{SVG}desc"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_default_description_reads_out_the_figures():
    chart = bar_chart("Contributions", [("Centre", 12), ("Gare", 5), ("Prés", 3)])

    assert chart.description == "Contributions: Centre 12, Gare 5, Prés 3."
    assert list(parse(chart))[1].text == chart.description


def test_description_given_by_the_editor_is_kept():
    chart = share_chart("Votes", [("Oui", 3)], description="Most voted yes.")

    assert list(parse(chart))[1].text == "Most voted yes."


def test_each_chart_has_its_own_ids_or_the_given_prefix():
    first = parse(bar_chart("A", [("x", 1)]))
    second = parse(bar_chart("A", [("x", 1)]))
    named = parse(share_chart("A", [("x", 1)], id_prefix="block-42"))

    assert first.get("aria-labelledby") != second.get("aria-labelledby")
    assert named.get("aria-labelledby") == "block-42-title block-42-desc"
    with pytest.raises(ValueError):
        bar_chart("A", [("x", 1)], id_prefix='x" onload="alert(1)')


def test_no_script_no_style_no_external_resource():
    for chart in (
        bar_chart("A", [("x", 1), ("y", 2)]),
        share_chart("A", [("x", 1), ("y", 2)]),
    ):
        root = parse(chart)
        for element in root.iter():
            assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}image")
            assert "style" not in element.attrib
            assert not any(name.endswith("href") for name in element.attrib)
            assert not any(name.startswith("on") for name in element.attrib)


def luminance(colour):
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one, other):
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_contrast_is_at_least_aa():
    assert contrast(charts.INK, charts.BACKGROUND) >= 4.5
    for fill, text_colour in charts.PALETTE:
        assert contrast(fill, text_colour) >= 4.5, fill


# Bar charts ---------------------------------------------------------------------------------


def test_one_bar_per_row_proportional_to_the_largest_value():
    # The largest bar is 484 units long (600 - 2 x 8 padding - 100 for its value): 12 gets
    # 484, 6 half of it, 3 a quarter, 0 nothing.
    chart = bar_chart("Contributions", [("Centre", 12), ("Gare", 6), ("Prés", 3), ("Nord", 0)])
    root = parse(chart)

    assert [float(bar.get("width")) for bar in bars(root)] == [484, 242, 121, 0]
    assert texts(root) == ["Centre", "12", "Gare", "6", "Prés", "3", "Nord", "0"]
    assert chart.total == 21


def test_all_zero_values_draw_empty_bars():
    chart = bar_chart("Contributions", [("Centre", 0), ("Gare", 0)])
    root = parse(chart)

    assert [float(bar.get("width")) for bar in bars(root)] == [0, 0]
    assert chart.description == "Contributions: Centre 0, Gare 0."


@pytest.mark.parametrize("make", [bar_chart, share_chart])
def test_no_rows_says_no_data_and_has_an_empty_table(make):
    chart = make("Contributions", [])
    root = parse(chart)

    assert texts(root) == ["No data"]
    assert not bars(root) and not segments(root)
    assert chart.rows == ()
    assert chart.description == "Contributions: no data."
    html = render(chart)
    assert "No data" in html
    assert "<table" not in html


def test_negative_values_are_refused():
    with pytest.raises(ValueError):
        bar_chart("Contributions", [("Centre", -1)])


def test_unit_follows_each_value():
    chart = bar_chart("Budget", [("Centre", 1234)], unit="EUR")

    assert chart.rows[0].formatted == f"1,234{NBSP}EUR"
    assert f"1,234{NBSP}EUR" in texts(parse(chart))


# Share charts -------------------------------------------------------------------------------


def test_share_chart_splits_one_bar_and_lists_percents():
    # 12 + 5 + 3 = 20: 60 %, 25 %, 15 %; segments of the 584-unit bar: 350.4, 146, 87.6.
    chart = share_chart("Participants", [("Centre", 12), ("Gare", 5), ("Prés", 3)])
    root = parse(chart)

    assert [row.percent for row in chart.rows] == [60, 25, 15]
    assert [float(s.get("width")) for s in segments(root)] == [350.4, 146, 87.6]
    # Each segment starts where the previous one ends.
    assert [float(s.get("x")) for s in segments(root)] == [8, 358.4, 504.4]
    legend = [text for text in texts(root) if ":" in text]
    assert legend == ["Centre: 60% (12)", "Gare: 25% (5)", "Prés: 15% (3)"]
    assert chart.description == "Participants: Centre 60% (12), Gare 25% (5), Prés 15% (3)."


@pytest.mark.parametrize(
    "values, expected",
    [
        # 33.33 each: 33 + 33 + 33 = 99, the missing point goes to the first on a tie.
        ([1, 1, 1], [34, 33, 33]),
        # 28.57, 28.57, 14.29 x 3: floors add up to 98, the two .57 remainders get a point.
        ([2, 2, 1, 1, 1], [29, 29, 14, 14, 14]),
        # 99.5 and 0.5: floors 99 + 0, the missing point goes to the first on a tie.
        ([199, 1], [100, 0]),
        ([Decimal("0.1"), Decimal("0.2")], [33, 67]),
        ([0, 0], [0, 0]),
    ],
)
def test_percents_add_up_to_100_by_largest_remainder(values, expected):
    assert percents(values) == expected
    assert sum(expected) in (0, 100)


def test_percents_add_up_to_100_for_many_rows():
    # Seven equal rows: 14.28 % each, floors 98, the first two get a point.
    chart = share_chart("Votes", [(f"Row {n}", 1) for n in range(7)])

    assert [row.percent for row in chart.rows] == [15, 15, 14, 14, 14, 14, 14]


def test_share_chart_with_a_zero_total_draws_an_empty_bar():
    chart = share_chart("Votes", [("Oui", 0), ("Non", 0)])
    root = parse(chart)

    assert not segments(root)
    assert [row.percent for row in chart.rows] == [0, 0]
    assert [text for text in texts(root) if ":" in text] == ["Oui: 0% (0)", "Non: 0% (0)"]


def test_zero_rows_have_no_segment_but_stay_in_the_legend():
    chart = share_chart("Votes", [("Oui", 3), ("Blanc", 0), ("Non", 1)])
    root = parse(chart)

    assert len(segments(root)) == 2
    assert "Blanc: 0% (0)" in texts(root)


# Escaping and formatting --------------------------------------------------------------------


@pytest.mark.parametrize("make", [bar_chart, share_chart])
def test_labels_and_titles_are_escaped(make):
    chart = make(HOSTILE, [(HOSTILE, 2), ("Gare", 1)])
    svg = str(chart.svg)

    assert "<script" not in svg
    assert "&lt;script&gt;" in svg and "&quot;&amp;" in svg
    root = parse(chart)
    assert not list(root.iter(f"{SVG}script"))
    assert list(root)[0].text == HOSTILE
    assert any(HOSTILE in text for text in texts(root))
    html = render(chart)
    assert "<script" not in html
    assert table_of(html).rows[1][0] == HOSTILE


def test_numbers_follow_the_active_language():
    rows = [("Centre", 1234), ("Gare", Decimal("5678.5"))]
    with translation.override("fr"):
        chart = bar_chart("Budget", rows, unit="€")
        shares = share_chart("Votes", [("Oui", 1234), ("Non", 0)])

    assert [row.formatted for row in chart.rows] == [f"1{NBSP}234{NBSP}€", f"5{NBSP}678,5{NBSP}€"]
    assert f"1{NBSP}234{NBSP}€" in texts(parse(chart))
    assert shares.rows[0].formatted == f"1{NBSP}234"
    # Coordinates stay in SVG syntax, never "350,4".
    assert all("," not in bar.get("width") for bar in bars(parse(chart)))
    assert bar_chart("Budget", rows).rows[0].formatted == "1,234"


def test_long_labels_are_shortened_in_the_svg_only():
    label = "Quartier " * 20
    chart = bar_chart("Contributions", [(label, 1)])

    assert texts(parse(chart))[0].endswith("…")
    assert len(texts(parse(chart))[0]) == charts.MAX_LABEL_CHARS
    assert table_of(render(chart)).rows[1][0] == label.strip()


# Template -----------------------------------------------------------------------------------


def test_table_shows_the_same_numbers_as_the_bars():
    chart = bar_chart("Budget", [("Centre", 1234), ("Gare", 56)], unit="€")
    html = render(chart)
    table = table_of(html)

    assert "<figure" in html and "<figcaption>Budget</figcaption>" in html
    assert str(chart.svg) in html
    assert "Budget" in table.caption
    assert table.rows[0] == ["Label", "Value"]
    assert table.rows[1:] == [["Centre", f"1,234{NBSP}€"], ["Gare", f"56{NBSP}€"]]
    # The SVG draws each label followed by its value: the same pairs as the table.
    drawn = texts(parse(chart))
    assert list(zip(drawn[::2], drawn[1::2], strict=True)) == [tuple(r) for r in table.rows[1:]]


def test_table_shows_the_same_percents_as_the_legend():
    with translation.override("fr"):
        chart = share_chart("Votes", [("Oui", 2000), ("Non", 1000)])
        table = table_of(render(chart))

    # 2 000 of 3 000 = 66.67 -> 67, 33.33 -> 33.
    assert len(table.rows[0]) == 3  # label, value, share
    assert [row[1:] for row in table.rows[1:]] == [
        [f"2{NBSP}000", chart.rows[0].formatted_percent],
        [f"1{NBSP}000", chart.rows[1].formatted_percent],
    ]
    assert [row.percent for row in chart.rows] == [67, 33]
    legend = [text for text in texts(parse(chart)) if "(" in text]
    for text, (label, value, percent) in zip(legend, table.rows[1:], strict=True):
        assert label in text and value in text and percent in text


def test_no_chart_renders_nothing():
    assert render(None).strip() == ""
