"""Reading each kind of response the way its consumer does, and what to check in it."""

import csv
import io
import json

from icalendar import Calendar

from wagtail_participation.exports import FORMULA_TRIGGERS

from .payloads import RAW_IN_HTML, TOKEN

CONTENT_TYPES = {
    "html": "text/html",
    "csv": "text/csv",
    "json": "application/json",
    "ics": "text/calendar",
    "pb": "text/",
    "text": "text/plain",
}


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode("utf-8-sig")


def raw_fragments(text):
    """The raw (unescaped) script fragments found in ``text``, with some context."""
    found = []
    for fragment in RAW_IN_HTML:
        start = text.find(fragment)
        if start != -1:
            found.append(repr(text[max(0, start - 80) : start + 80]))
    return found


def json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def problems_in(response, kind, expect_token=True):
    """What is wrong with how ``response`` shows hostile resident text: a list of sentences."""
    problems = []
    content_type = response.get("Content-Type", "")
    if not content_type.startswith(CONTENT_TYPES[kind]):
        problems.append(f"served as {content_type!r}, expected {CONTENT_TYPES[kind]}")
    text = body_of(response)
    shown = TOKEN in text
    if kind == "html":
        problems += [f"raw markup in the page: {context}" for context in raw_fragments(text)]
    elif kind == "csv":
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        problems += [
            f"a spreadsheet would run this cell as a formula: {cell[:60]!r}"
            for cell in cells
            if cell.startswith(FORMULA_TRIGGERS)
        ]
    elif kind == "json":
        strings = list(json_strings(json.loads(text)))
        shown = any(TOKEN in string for string in strings)
    elif kind == "ics":
        calendar = Calendar.from_ical(text)
        for component in calendar.walk():
            if "X-INJECTED" in component:
                problems.append(f"a resident's text added a property to a {component.name}")
        shown = TOKEN in text.replace("\r\n ", "")
    elif kind in ("pb", "text"):
        problems += [
            f"a resident's text started a line of its own: {line[:60]!r}"
            for line in text.splitlines()
            if line.startswith("X-INJECTED")
        ]
    if expect_token and not shown:
        problems.append(f"the hostile text ({TOKEN}) is not shown: the check proves nothing")
    return problems
