"""French is complete: every catalogue is fully translated and compiled, every template string
goes through the translation machinery, and amounts and dates follow the active language."""

import gettext
import re
import subprocess
import tempfile
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import DebugLexer, TokenType

from .budget_factories import make_budget, make_project
from .meeting_factories import PARIS, add_meeting, make_calendar

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "wagtail_participation"
EXAMPLE = ROOT / "example_site"
CATALOGUES = sorted(
    [
        *PACKAGE.glob("**/locale/fr/LC_MESSAGES/*.po"),
        *EXAMPLE.glob("**/locale/fr/LC_MESSAGES/*.po"),
    ]
)
TEMPLATES = sorted(
    path
    for base in (PACKAGE, EXAMPLE)
    for path in base.glob("**/templates/**/*")
    if path.is_file() and path.suffix in (".html", ".txt", ".xml")
)


def relative(path):
    return str(Path(path).relative_to(ROOT))


# Catalogues -------------------------------------------------------------------------------------


def test_there_are_french_catalogues_for_the_package_and_the_example_site():
    names = {relative(path) for path in CATALOGUES}
    assert "wagtail_participation/locale/fr/LC_MESSAGES/django.po" in names
    for app in ("budgets", "consultations", "meetings", "restitution", "petitions"):
        assert f"wagtail_participation/{app}/locale/fr/LC_MESSAGES/django.po" in names
    assert any(name.startswith("example_site/") for name in names)


def msgfmt_statistics(po_file):
    """(translated, fuzzy, untranslated) counted by GNU msgfmt, which also checks the formats."""
    result = subprocess.run(
        ["msgfmt", "--statistics", "--check-format", "-o", "/dev/null", str(po_file)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{relative(po_file)}: msgfmt failed:\n{output}"

    def count(kind):
        match = re.search(rf"(\d+) {kind} messages?", output)
        return int(match.group(1)) if match else 0

    return count("translated"), count("fuzzy translation"), count("untranslated"), output


@pytest.mark.parametrize("po_file", CATALOGUES, ids=relative)
def test_catalogue_is_fully_translated(po_file):
    translated, fuzzy, untranslated, output = msgfmt_statistics(po_file)
    assert translated > 0, f"{relative(po_file)}: no translated message ({output.strip()})"
    assert (fuzzy, untranslated) == (0, 0), (
        f"{relative(po_file)}: {fuzzy} fuzzy and {untranslated} untranslated messages "
        f"({output.strip()})"
    )


def catalogue_messages(mo_file):
    with open(mo_file, "rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


@pytest.mark.parametrize("po_file", CATALOGUES, ids=relative)
def test_compiled_catalogue_matches_its_source(po_file):
    """The .mo Django loads says what the .po says (forgotten `compilemessages` fails)."""
    mo_file = po_file.with_suffix(".mo")
    assert mo_file.exists(), f"{relative(po_file)} is not compiled"
    with tempfile.TemporaryDirectory() as directory:
        fresh = Path(directory) / "fresh.mo"
        subprocess.run(["msgfmt", "-o", str(fresh), str(po_file)], check=True)
        expected = catalogue_messages(fresh)
    actual = catalogue_messages(mo_file)
    missing = sorted(str(key) for key in expected.keys() - actual.keys())
    stale = sorted(
        str(key) for key in expected.keys() & actual.keys() if expected[key] != actual[key]
    )
    extra = sorted(str(key) for key in actual.keys() - expected.keys())
    assert not (missing or stale or extra), (
        f"{relative(mo_file)} is out of date with its .po (run compilemessages): "
        f"{len(missing)} missing, {len(stale)} different, {len(extra)} no longer in the .po; "
        f"first: {(missing + stale + extra)[:5]}"
    )


# Templates --------------------------------------------------------------------------------------

# Words residents may read untranslated: names, symbols.
ALLOWED = {"Villebrune", "OpenStreetMap", "iCal", "RSS", "CSV", "JSON", "PDF", "ICS"}
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}
# Scripts, styles and computer code (commands residents may copy) are not prose.
SKIPPED_ELEMENTS = {"script", "style", "code", "kbd", "samp"}
PLACEHOLDER = "\ue000"  # where a {{ variable }} or {% tag %} was: not a letter
ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
WORD = re.compile(r"[^\W\d_]{2,}")


def template_source_outside_translation(source):
    """The template's text with every tag, variable and comment replaced by PLACEHOLDER (keeping
    the newlines, so that line numbers stay right); text inside {% blocktranslate %},
    {% comment %} and {% verbatim %} blocks is blanked too, as it is translated or not shown."""
    parts, closing = [], None
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        raw = source[start:end]
        blank = PLACEHOLDER + "\n" * raw.count("\n")
        if closing:
            if token.token_type == TokenType.BLOCK and token.contents.split()[:1] == [closing]:
                closing = None
            parts.append(blank)
            continue
        if token.token_type == TokenType.TEXT:
            parts.append(raw)
            continue
        parts.append(blank)
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in ("blocktranslate", "blocktrans"):
                closing = "end" + name
            elif name in ("comment", "verbatim"):
                closing = "end" + name
    return "".join(parts)


class UntranslatedText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.findings = []
        self.skipping = 0

    def flag(self, text, where=""):
        text = ENTITY.sub(" ", text)
        words = [word for word in WORD.findall(text) if word not in ALLOWED]
        if words:
            shown = " ".join(text.replace(PLACEHOLDER, "{…}").split())
            self.findings.append((self.getpos()[0], where + shown))

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if not value:
                continue
            if name in READ_ATTRIBUTES or (
                name == "value"
                and tag == "input"
                and attributes.get("type") in ("submit", "button", "reset")
            ):
                self.flag(value, f"<{tag} {name}> ")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_ELEMENTS:
            self.skipping -= 1

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.flag(data)


def untranslated_text(path):
    source = Path(path).read_text()
    parser = UntranslatedText()
    parser.feed(template_source_outside_translation(source))
    parser.close()
    return parser.findings


def test_the_template_lint_finds_untranslated_text(tmp_path):
    template = tmp_path / "sample.html"
    template.write_text(
        '{% load i18n %}<h1>{% translate "Hello" %}</h1>\n'
        "{% comment %}Notes for developers{% endcomment %}\n"
        "<p>{% blocktranslate with name=user %}Hi {{ name }}{% endblocktranslate %} &nbsp;|</p>\n"
        '<img src="x.png" alt="A forgotten picture">\n'
        '<a href="/" title="{% translate "Home" %}">{{ page.title }}</a> Villebrune\n'
        "<p>Forgotten text</p>\n"
        "<pre><code>python manage.py check</code></pre>\n"
    )
    assert untranslated_text(template) == [
        (4, "<img alt> A forgotten picture"),
        (6, "Forgotten text"),
    ]


def test_every_template_string_is_translatable():
    assert len(TEMPLATES) > 50
    findings = [
        f"{relative(path)}:{line}: {text}"
        for path in TEMPLATES
        for line, text in untranslated_text(path)
    ]
    assert not findings, (
        f"{len(findings)} texts are not in {{% translate %}} / {{% blocktranslate %}}:\n"
        + "\n".join(findings)
    )


# Amounts and dates ------------------------------------------------------------------------------


@pytest.fixture
def budget_with_a_project(index_page, frozen_now):
    budget = make_budget(index_page, title="Budget des quartiers", envelopes=((None, 12345),))
    make_project(budget, "Bancs du square", 2500)
    return budget


def text_of(response):
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_amounts_follow_the_french_conventions(client, budget_with_a_project):
    french = text_of(client.get(budget_with_a_project.url, HTTP_ACCEPT_LANGUAGE="fr"))
    # Django's French format groups thousands with a non-breaking (or narrow) space.
    assert re.search(r"12[\u00a0\u202f]345[\u00a0\u202f ](€|EUR)", french), french
    assert "12,345" not in french and "12345 " not in french


@pytest.mark.django_db
def test_amounts_follow_the_english_conventions(client, budget_with_a_project):
    english = text_of(client.get(budget_with_a_project.url, HTTP_ACCEPT_LANGUAGE="en"))
    assert re.search(r"12,345[\u00a0 ](€|EUR)", english), english
    assert not re.search(r"12[\u00a0\u202f]345", english)


@pytest.fixture
def meeting(root_page, frozen_now):
    calendar = make_calendar(root_page, title="Conseils", slug="conseils")
    return add_meeting(
        calendar, title="Conseil de quartier", start=datetime(2026, 3, 20, 18, 30, tzinfo=PARIS)
    )


@pytest.mark.django_db
def test_meeting_dates_are_in_french(client, meeting):
    french = text_of(client.get(meeting.url, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "20 mars 2026" in french
    assert re.search(r"18[:h]30", french)
    assert "March" not in french and "Friday" not in french


@pytest.mark.django_db
def test_meeting_dates_are_in_english(client, meeting):
    english = text_of(client.get(meeting.url, HTTP_ACCEPT_LANGUAGE="en"))
    assert re.search(r"(20 March 2026|March 20, 2026)", english)
    assert "mars" not in english and "vendredi" not in english
