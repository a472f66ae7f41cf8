"""Server-rendered SVG charts for restitution pages: accessible, printable, no JavaScript.

A ``Chart`` carries the ``<svg>`` and the rows of the HTML table that shows the same data
under it (``blocks/chart.html``): the table is what screen-reader users navigate and what
still reads well printed in black and white. Every label is escaped; numbers are formatted
in the active language, so build charts while the request's language is active.
"""

import math
import re
import uuid
from dataclasses import dataclass
from fractions import Fraction

from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Okabe-Ito colours, told apart with the common colour-vision deficiencies and in greyscale
# print, each with the text colour that reads on it at a contrast of at least 4.5:1.
PALETTE = (
    ("#0072B2", "#FFFFFF"),  # blue
    ("#E69F00", "#000000"),  # orange
    ("#009E73", "#000000"),  # bluish green
    ("#CC79A7", "#000000"),  # reddish purple
    ("#56B4E9", "#000000"),  # sky blue
    ("#D55E00", "#000000"),  # vermillion
    ("#F0E442", "#000000"),  # yellow
    ("#000000", "#FFFFFF"),  # black
)
BACKGROUND = "#FFFFFF"
INK = "#1A1A1A"  # text and outlines, 17:1 on the white background

WIDTH = 600
PAD = 8
PLOT_WIDTH = WIDTH - 2 * PAD
FONT_SIZE = 14
MAX_LABEL_CHARS = 70  # about what fits on one line of the chart; the table has the full text

# Bar charts: each row is a label line, then the bar with its value at its end.
ROW_HEIGHT = 48
BAR_HEIGHT = 18
VALUE_SPACE = 100  # room kept right of the longest bar for its value
BAR_MAX_WIDTH = PLOT_WIDTH - VALUE_SPACE

# Share charts: one stacked bar, then one legend line per row.
STACK_HEIGHT = 32
MIN_SEGMENT_TEXT_WIDTH = 44  # narrower segments are named by the legend only
LEGEND_ROW = 24
SWATCH = 14

ID_PREFIX_RE = re.compile(r"^[\w-]+$")


@dataclass(frozen=True)
class ChartRow:
    label: str
    value: object
    formatted: str
    percent: int | None = None
    formatted_percent: str = ""


@dataclass(frozen=True)
class Chart:
    kind: str  # "bar" or "share"
    title: str
    description: str
    rows: tuple
    total: object
    formatted_total: str
    svg: SafeString

    @property
    def is_share(self):
        return self.kind == "share"


def bar_chart(title, rows, description="", unit="", id_prefix=None):
    """Horizontal bars, one per ``(label, value)`` row, lengths proportional to the largest."""
    rows = _clean(rows)
    chart_rows = tuple(ChartRow(label, value, _format(value, unit)) for label, value in rows)
    total = sum(value for _label, value in rows)
    title = str(title)
    description = str(description) or _describe(
        title, [f"{row.label} {row.formatted}" for row in chart_rows]
    )
    height, body = _bars(chart_rows) if chart_rows else _no_data()
    return Chart(
        kind="bar",
        title=title,
        description=description,
        rows=chart_rows,
        total=total,
        formatted_total=_format(total, unit),
        svg=_svg(title, description, id_prefix, height, body),
    )


def share_chart(title, rows, description="", id_prefix=None):
    """One bar split into each row's share of the total, with a legend giving the percents.

    Percents are whole numbers rounded by the largest remainder method, so they add up to
    exactly 100 (all 0 when the total is 0).
    """
    rows = _clean(rows)
    values = [value for _label, value in rows]
    chart_rows = tuple(
        ChartRow(label, value, _format(value), percent, _format_percent(percent))
        for (label, value), percent in zip(rows, percents(values), strict=True)
    )
    total = sum(values)
    title = str(title)
    description = str(description) or _describe(
        title,
        [
            _("%(label)s %(percent)s (%(value)s)")
            % {"label": row.label, "percent": row.formatted_percent, "value": row.formatted}
            for row in chart_rows
        ],
    )
    height, body = _stack(chart_rows, total) if chart_rows else _no_data()
    return Chart(
        kind="share",
        title=title,
        description=description,
        rows=chart_rows,
        total=total,
        formatted_total=_format(total),
        svg=_svg(title, description, id_prefix, height, body),
    )


def percents(values):
    """Whole percents of ``values`` that add up to exactly 100 (largest remainder method).

    Each value gets the floor of its exact percent; the points still missing go to the values
    with the largest remainders, the earlier value first on equal remainders.
    """
    total = sum(Fraction(value) for value in values)
    if not total:
        return [0] * len(values)
    exact = [Fraction(value) * 100 / total for value in values]
    result = [math.floor(share) for share in exact]
    by_remainder = sorted(range(len(values)), key=lambda i: (result[i] - exact[i], i))
    for i in by_remainder[: 100 - sum(result)]:
        result[i] += 1
    return result


# Data ---------------------------------------------------------------------------------------


def _clean(rows):
    cleaned = []
    for label, value in rows:
        if value < 0:
            raise ValueError(f"Chart values cannot be negative: {label!r} is {value!r}.")
        cleaned.append((str(label), value))
    return cleaned


def _format(value, unit=""):
    number = number_format(value, force_grouping=True)
    return f"{number}\N{NO-BREAK SPACE}{unit}" if unit else number


def _format_percent(percent):
    return _("%(percent)s%%") % {"percent": number_format(percent)}


def _describe(title, parts):
    if not parts:
        return _("%(title)s: no data.") % {"title": title}
    return _("%(title)s: %(items)s.") % {"title": title, "items": ", ".join(parts)}


# Drawing ------------------------------------------------------------------------------------


def _svg(title, description, id_prefix, height, body):
    prefix = id_prefix or f"chart-{uuid.uuid4().hex[:12]}"
    if not ID_PREFIX_RE.match(prefix):
        raise ValueError(f"A chart id prefix is letters, digits, - and _ only: {prefix!r}.")
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        'role="img" aria-labelledby="{prefix}-title {prefix}-desc" class="participation-chart-svg" '
        'font-family="system-ui, sans-serif" font-size="{font_size}">'
        '<title id="{prefix}-title">{title}</title>'
        '<desc id="{prefix}-desc">{description}</desc>'
        '<rect width="{width}" height="{height}" fill="{background}"/>'
        "{body}</svg>",
        width=WIDTH,
        height=height,
        prefix=prefix,
        font_size=FONT_SIZE,
        title=title,
        description=description,
        background=BACKGROUND,
        body=body,
    )


def _bars(rows):
    largest = max(row.value for row in rows)
    drawn = []
    for index, row in enumerate(rows):
        top = PAD + index * ROW_HEIGHT
        width = _scale(row.value, largest, BAR_MAX_WIDTH)
        drawn.append(
            format_html(
                '<g><text x="{x}" y="{label_y}" fill="{ink}">{label}</text>'
                '<rect class="participation-chart-bar" x="{x}" y="{bar_y}" width="{width}" '
                'height="{bar_height}" fill="{fill}"/>'
                '<text x="{value_x}" y="{value_y}" fill="{ink}">{value}</text></g>',
                x=PAD,
                label_y=top + 16,
                bar_y=top + 22,
                bar_height=BAR_HEIGHT,
                width=_coordinate(width),
                value_x=_coordinate(PAD + width + 6),
                value_y=top + 36,
                fill=PALETTE[0][0],
                ink=INK,
                label=_shorten(row.label),
                value=row.formatted,
            )
        )
    return PAD * 2 + len(rows) * ROW_HEIGHT, _join(drawn)


def _stack(rows, total):
    drawn = []
    if total:
        before = 0
        for index, row in enumerate(rows):
            start = _scale(before, total, PLOT_WIDTH)
            before += row.value
            end = _scale(before, total, PLOT_WIDTH)
            if end > start:
                drawn.append(_segment(index, row, start, end))
    else:
        drawn.append(
            format_html(
                '<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="none" '
                'stroke="{ink}"/>',
                x=PAD,
                y=PAD,
                width=PLOT_WIDTH,
                height=STACK_HEIGHT,
                ink=INK,
            )
        )
    legend_top = PAD + STACK_HEIGHT + 16
    for index, row in enumerate(rows):
        drawn.append(_legend_entry(index, row, legend_top + index * LEGEND_ROW))
    return legend_top + len(rows) * LEGEND_ROW + PAD, _join(drawn)


def _segment(index, row, start, end):
    fill, text_colour = _colour(index)
    # A dark outline keeps segments apart when colours print alike or look alike.
    segment = format_html(
        '<rect class="participation-chart-segment" x="{x}" y="{y}" width="{width}" '
        'height="{height}" fill="{fill}" stroke="{ink}"/>',
        x=_coordinate(PAD + start),
        y=PAD,
        width=_coordinate(end - start),
        height=STACK_HEIGHT,
        fill=fill,
        ink=INK,
    )
    if end - start < MIN_SEGMENT_TEXT_WIDTH:
        return segment
    return format_html(
        '{segment}<text x="{x}" y="{y}" fill="{text_colour}" text-anchor="middle">{percent}</text>',
        segment=segment,
        x=_coordinate(PAD + (start + end) / 2),
        y=PAD + 21,
        text_colour=text_colour,
        percent=row.formatted_percent,
    )


def _legend_entry(index, row, top):
    fill, _text_colour = _colour(index)
    return format_html(
        '<g><rect x="{x}" y="{top}" width="{swatch}" height="{swatch}" fill="{fill}" '
        'stroke="{ink}"/><text x="{text_x}" y="{text_y}" fill="{ink}">{text}</text></g>',
        x=PAD,
        top=top,
        swatch=SWATCH,
        fill=fill,
        ink=INK,
        text_x=PAD + SWATCH + 8,
        text_y=top + 12,
        text=_("%(label)s: %(percent)s (%(value)s)")
        % {
            "label": _shorten(row.label),
            "percent": row.formatted_percent,
            "value": row.formatted,
        },
    )


def _no_data():
    return PAD * 2 + 24, format_html(
        '<text x="{x}" y="{y}" fill="{ink}">{text}</text>',
        x=PAD,
        y=PAD + 18,
        ink=INK,
        text=_("No data"),
    )


def _colour(index):
    # Past eight rows colours repeat: the legend's order and texts still tell rows apart.
    return PALETTE[index % len(PALETTE)]


def _scale(value, largest, length):
    if not largest:
        return 0.0
    return float(Fraction(value) * length / Fraction(largest))


def _coordinate(number):
    """A coordinate in the SVG's own syntax ("12.5"), whatever the active language."""
    return f"{number:.2f}".rstrip("0").rstrip(".")


def _shorten(label):
    if len(label) <= MAX_LABEL_CHARS:
        return label
    return label[: MAX_LABEL_CHARS - 1] + "…"


def _join(fragments):
    # Each fragment was built by format_html, so joining them keeps everything escaped.
    return mark_safe("".join(fragments))
