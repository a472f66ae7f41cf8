"""Read and write participatory-budget elections in the Pabulib `.pb` format.

The format (https://pabulib.org/format) is UTF-8 text in three sections, META, PROJECTS and
VOTES, each a semicolon-separated table with a header row, values quoted like CSV. This module
knows nothing of Django models: `parse` turns a file into an `Election` of plain strings,
`build` makes one from the site's own data, and `dumps` writes either back as `.pb` text.

Every problem found while reading is a `PabulibError` naming the line, in words a city officer
can act on. Only approval ballots are accepted, because they are the only kind our budgets run.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from os import PathLike

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SECTIONS = ("META", "PROJECTS", "VOTES")
SUPPORTED_VOTE_TYPES = ("approval",)

# The order in which pabulib.org lists the known keys and columns; `build` writes them in this
# order so the Pabulib checker has no order warning to give. Unknown names follow, as given.
META_KEY_ORDER = (
    "description", "country", "unit", "district", "subunit", "instance", "num_projects",
    "num_votes", "budget", "vote_type", "rule", "date_begin", "date_end", "min_length",
    "max_length", "min_sum_cost", "max_sum_cost", "min_points", "max_points", "min_sum_points",
    "max_sum_points", "default_score", "min_project_cost", "max_project_cost",
    "min_project_score_threshold", "neighborhoods", "subdistricts", "categories", "edition",
    "language", "currency", "fully_funded", "experimental", "comment", "acknowledgments",
)  # fmt: skip
PROJECT_COLUMN_ORDER = (
    "project_id", "cost", "votes", "score", "name", "category", "beneficiaries", "selected",
    "neighborhood", "subunit", "district", "description", "proposer", "public_id", "latitude",
    "longitude",
)  # fmt: skip
VOTE_COLUMN_ORDER = (
    "voter_id", "vote", "points", "age", "sex", "voting_method", "district", "neighborhood",
    "education",
)  # fmt: skip

REQUIRED_COLUMNS = {"PROJECTS": ("project_id", "cost"), "VOTES": ("voter_id", "vote")}
REQUIRED_META_KEYS = ("budget", "vote_type")
# A header row found inside the previous section means its title line was left out.
_NEXT_HEADER_START = {"META": "project_id", "PROJECTS": "voter_id"}

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_WHOLE_NUMBER = re.compile(r"\d+")
_NEEDS_QUOTES = re.compile(r'[;"\r\n]')


class PabulibError(ValueError):
    """A file that is not a usable Pabulib election; `line` is 1-based, or None."""

    def __init__(self, reason, line=None):
        self.reason = str(reason)
        self.line = line
        super().__init__(self.reason, line)

    def __str__(self):
        if self.line is None:
            return self.reason
        return _("line %(line)s: %(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass
class Election:
    """One election as written in the file: every value is the text found there."""

    meta: dict[str, str]
    projects: list[dict[str, str]]
    project_columns: list[str]
    votes: list[dict[str, str]]
    vote_columns: list[str] = field(default_factory=lambda: ["voter_id", "vote"])

    def approvals(self) -> Iterator[list[str]]:
        """Each voter's approved project ids, in file order."""
        for vote in self.votes:
            yield _split_vote(vote["vote"])

    def project_costs(self) -> dict[str, Decimal]:
        return {project["project_id"]: Decimal(project["cost"]) for project in self.projects}

    @property
    def budget(self) -> Decimal:
        return Decimal(self.meta["budget"])

    @property
    def vote_type(self) -> str:
        return self.meta["vote_type"]

    @property
    def min_length(self) -> int | None:
        return _optional_int(self.meta.get("min_length"))

    @property
    def max_length(self) -> int | None:
        return _optional_int(self.meta.get("max_length"))

    @property
    def currency(self) -> str | None:
        return self.meta.get("currency") or None

    @property
    def rule(self) -> str | None:
        return self.meta.get("rule") or None

    @property
    def unit(self) -> str | None:
        return self.meta.get("unit") or None

    @property
    def subunit(self) -> str | None:
        return self.meta.get("subunit") or None

    @property
    def instance(self) -> str | None:
        return self.meta.get("instance") or None

    @property
    def description(self) -> str | None:
        return self.meta.get("description") or None


# Reading


def parse_file(path: str | PathLike) -> Election:
    with open(path, "rb") as file:
        return parse(file.read())


def parse(source: str | bytes | Iterable[str]) -> Election:
    """Read a whole `.pb` file given as text, bytes or lines; raise PabulibError if unusable."""
    reader = csv.reader(_text_lines(source), delimiter=";", strict=True, skipinitialspace=True)
    sections = _read_sections(_numbered_rows(reader))
    return _make_election(sections["META"], sections["PROJECTS"], sections["VOTES"])


def _text_lines(source) -> Iterator[str]:
    if isinstance(source, bytes | bytearray):
        source = _decode(bytes(source))
    if isinstance(source, str):
        return iter(io.StringIO(source.removeprefix("\ufeff"), newline=""))
    return _lines_with_endings(source)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        reason = _(
            "the file is not UTF-8 text (byte 0x%(byte)02X cannot be read); "
            "save it again with the UTF-8 encoding"
        ) % {"byte": data[error.start]}
        raise PabulibError(reason, line) from None


def _lines_with_endings(lines: Iterable[str]) -> Iterator[str]:
    # Lines may come with or without their endings; the csv reader needs them to keep a quoted
    # value that spans several lines intact.
    for number, line in enumerate(lines):
        if number == 0:
            line = line.removeprefix("\ufeff")
        yield line.rstrip("\r\n") + "\n"


def _numbered_rows(reader) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with the line each starts on and their values stripped of spaces."""
    last_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise PabulibError(_quoting_reason(error), last_line + 1) from None
        line, last_line = last_line + 1, reader.line_num
        cells = [cell.strip() for cell in row]
        if len(cells) > 1 or (cells and cells[0]):
            yield line, cells


def _quoting_reason(error: csv.Error) -> str:
    if "unexpected end of data" in str(error):
        return _("a quoted value that starts on this line is never closed")
    return _(
        "badly quoted value (%(detail)s): a value in double quotes must end with a quote "
        "followed by ';' or the end of the line, and a quote inside it must be doubled"
    ) % {"detail": error}


@dataclass
class _Section:
    """A section's rows with the line each starts on (None for an election being built)."""

    name: str
    title_line: int | None
    header_line: int | None = None
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _read_sections(rows: Iterator[tuple[int, list[str]]]) -> dict[str, _Section]:
    sections: dict[str, _Section] = {}
    current = None
    last_line = 0
    for line, cells in rows:
        last_line = line
        title = _section_title(cells)
        if title:
            if current is not None and current.header is None:
                raise _no_header(current)
            current = _start_section(title, line, sections)
        elif current is None:
            reason = _("the file must start with a line reading META, found '%(found)s'")
            raise PabulibError(reason % {"found": _shorten(";".join(cells))}, line)
        elif current.header is None:
            current.header_line, current.header = line, cells
        elif cells[0] == _NEXT_HEADER_START.get(current.name):
            following = SECTIONS[SECTIONS.index(current.name) + 1]
            reason = _("the line %(section)s is missing before this header row")
            raise PabulibError(reason % {"section": following}, line)
        else:
            current.rows.append((line, cells))
    if current is None:
        raise PabulibError(_("the file is empty"), 1)
    if current.header is None:
        raise _no_header(current)
    for name in SECTIONS:
        if name not in sections:
            reason = _("the file ends without a %(section)s section") % {"section": name}
            raise PabulibError(reason, last_line)
    return sections


def _section_title(cells: list[str]) -> str | None:
    if cells[0] in SECTIONS and not any(cells[1:]):
        return cells[0]
    return None


def _start_section(name: str, line: int, sections: dict[str, _Section]) -> _Section:
    if name in sections:
        reason = _("the %(section)s section appears a second time (first on line %(first)s)")
        raise PabulibError(reason % {"section": name, "first": sections[name].title_line}, line)
    expected = SECTIONS[len(sections)]
    if name != expected:
        reason = _(
            "expected the %(expected)s section here, found %(found)s: "
            "the sections must come in the order META, PROJECTS, VOTES"
        )
        raise PabulibError(reason % {"expected": expected, "found": name}, line)
    sections[name] = _Section(name, line)
    return sections[name]


def _no_header(section: _Section) -> PabulibError:
    reason = _("the %(section)s section has no header row") % {"section": section.name}
    return PabulibError(reason, section.title_line)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Checking, shared by `parse` (with line numbers) and `build` (without)


def _make_election(meta_section: _Section, project_section: _Section, vote_section: _Section):
    _check_meta_header(meta_section.header_line, meta_section.header)
    meta = _read_meta(meta_section.rows, meta_section.title_line)
    project_columns = _check_header("PROJECTS", project_section.header_line, project_section.header)
    projects = _read_projects(project_columns, project_section.rows)
    vote_columns = _check_header("VOTES", vote_section.header_line, vote_section.header)
    known_projects = {project["project_id"] for project in projects}
    votes = _read_votes(vote_columns, vote_section.rows, known_projects)
    return Election(meta, projects, project_columns, votes, vote_columns)


def _check_meta_header(line: int | None, header: list[str]) -> None:
    if [cell.lower() for cell in header] != ["key", "value"]:
        reason = _("the META section must begin with the header row key;value, found '%(found)s'")
        raise PabulibError(reason % {"found": _shorten(";".join(header))}, line)


def _read_meta(rows, title_line) -> dict[str, str]:
    meta: dict[str, str] = {}
    first_seen: dict[str, int | None] = {}
    for line, cells in rows:
        _check_width(cells, 2, "META", line)
        key, value = cells
        if not key:
            raise PabulibError(_("this META line has no key"), line)
        if key in meta:
            reason = _("the META key '%(key)s' appears twice (first on line %(first)s)")
            raise PabulibError(reason % {"key": key, "first": first_seen[key]}, line)
        meta[key], first_seen[key] = value, line
    for key in REQUIRED_META_KEYS:
        if key not in meta:
            reason = _("the META section has no '%(key)s' line") % {"key": key}
            raise PabulibError(reason, title_line)
    budget_line = first_seen["budget"]
    budget = _positive_decimal(meta["budget"])
    if budget is None:
        reason = _("the budget must be a positive number, found '%(value)s'")
        raise PabulibError(
            reason % {"value": meta["budget"]} + _comma_hint(meta["budget"]), budget_line
        )
    if meta["vote_type"] not in SUPPORTED_VOTE_TYPES:
        reason = _("only approval ballots are supported, this file has '%(vote_type)s'")
        raise PabulibError(reason % {"vote_type": meta["vote_type"]}, first_seen["vote_type"])
    for key in ("min_length", "max_length"):
        if meta.get(key) and not _WHOLE_NUMBER.fullmatch(meta[key]):
            reason = _("'%(key)s' must be a whole number, found '%(value)s'")
            raise PabulibError(reason % {"key": key, "value": meta[key]}, first_seen[key])
    return meta


def _check_header(section: str, line: int | None, header: list[str]) -> list[str]:
    seen = set()
    for number, column in enumerate(header, start=1):
        if not column:
            reason = _("column %(number)s of the %(section)s header row has no name")
            raise PabulibError(reason % {"number": number, "section": section}, line)
        if column in seen:
            reason = _("the column '%(column)s' appears twice in the %(section)s header row")
            raise PabulibError(reason % {"column": column, "section": section}, line)
        seen.add(column)
    for column in REQUIRED_COLUMNS[section]:
        if column not in seen:
            reason = _("the %(section)s header row has no '%(column)s' column, found '%(found)s'")
            found = _shorten(";".join(header))
            raise PabulibError(
                reason % {"section": section, "column": column, "found": found}, line
            )
    return list(header)


def _check_width(cells: list[str], expected: int, section: str, line: int | None) -> None:
    if len(cells) == expected:
        return
    reason = ngettext(
        "this row has %(found)d value but the %(section)s header row has %(expected)d columns",
        "this row has %(found)d values but the %(section)s header row has %(expected)d columns",
        len(cells),
    ) % {"found": len(cells), "section": section, "expected": expected}
    if len(cells) > expected:
        reason += _(" (a value containing ';' must be put in double quotes)")
    raise PabulibError(reason, line)


def _read_projects(columns: list[str], rows) -> list[dict[str, str]]:
    projects = []
    first_seen: dict[str, int | None] = {}
    for line, cells in rows:
        _check_width(cells, len(columns), "PROJECTS", line)
        project = dict(zip(columns, cells, strict=True))
        project_id, cost = project["project_id"], project["cost"]
        if not project_id:
            raise PabulibError(_("this project has an empty project_id"), line)
        if project_id in first_seen:
            reason = _("project '%(id)s' appears twice (first on line %(first)s)")
            raise PabulibError(reason % {"id": project_id, "first": first_seen[project_id]}, line)
        if not _DECIMAL.fullmatch(cost):
            reason = _("the cost of project '%(id)s' is not a number: '%(value)s'")
            raise PabulibError(reason % {"id": project_id, "value": cost} + _comma_hint(cost), line)
        if Decimal(cost) <= 0:
            reason = _("the cost of project '%(id)s' must be greater than zero, found '%(value)s'")
            raise PabulibError(reason % {"id": project_id, "value": cost}, line)
        first_seen[project_id] = line
        projects.append(project)
    return projects


def _read_votes(columns: list[str], rows, known_projects: set[str]) -> list[dict[str, str]]:
    votes = []
    first_seen: dict[str, int | None] = {}
    width = len(columns)
    for line, cells in rows:
        if len(cells) != width:
            _check_width(cells, width, "VOTES", line)
        vote = dict(zip(columns, cells, strict=True))
        voter_id = vote["voter_id"]
        if not voter_id:
            raise PabulibError(_("this vote has an empty voter_id"), line)
        if voter_id in first_seen:
            reason = _("voter '%(id)s' appears twice (first on line %(first)s)")
            raise PabulibError(reason % {"id": voter_id, "first": first_seen[voter_id]}, line)
        first_seen[voter_id] = line
        _check_approvals(voter_id, vote["vote"], known_projects, line)
        votes.append(vote)
    return votes


def _check_approvals(voter_id: str, raw_vote: str, known_projects: set[str], line) -> None:
    approved = _split_vote(raw_vote)
    for project_id in approved:
        if project_id not in known_projects:
            if not project_id:
                reason = _("the vote of voter '%(voter)s' has an empty project id: '%(vote)s'")
                raise PabulibError(reason % {"voter": voter_id, "vote": raw_vote}, line)
            reason = _(
                "voter '%(voter)s' votes for project '%(project)s', "
                "which is not in the PROJECTS section"
            )
            raise PabulibError(reason % {"voter": voter_id, "project": project_id}, line)
    if len(set(approved)) != len(approved):
        seen = set()
        twice = next(p for p in approved if p in seen or seen.add(p))
        reason = _("voter '%(voter)s' names project '%(project)s' twice in one vote")
        raise PabulibError(reason % {"voter": voter_id, "project": twice}, line)


def _split_vote(raw_vote: str) -> list[str]:
    if not raw_vote:
        return []
    approved = raw_vote.split(",")
    if " " in raw_vote:
        approved = [project_id.strip() for project_id in approved]
    return approved


def _positive_decimal(text: str) -> Decimal | None:
    if not _DECIMAL.fullmatch(text):
        return None
    number = Decimal(text)
    return number if number > 0 else None


def _comma_hint(text: str) -> str:
    if "," in text and _DECIMAL.fullmatch(text.replace(",", ".", 1)):
        return _(" (use a dot, not a comma, before the decimals)")
    return ""


def _optional_int(text: str | None) -> int | None:
    return int(text) if text else None


# Writing


def dumps(election: Election) -> str:
    """The election as `.pb` text, values quoted only where the format needs it."""
    lines = ["META", "key;value"]
    lines.extend(_join((key, value)) for key, value in election.meta.items())
    lines.append("PROJECTS")
    lines.append(_join(election.project_columns))
    lines.extend(_join_row(project, election.project_columns) for project in election.projects)
    lines.append("VOTES")
    lines.append(_join(election.vote_columns))
    lines.extend(_join_row(vote, election.vote_columns) for vote in election.votes)
    return "\n".join(lines) + "\n"


def _join_row(row: dict[str, str], columns: list[str]) -> str:
    return _join(row.get(column, "") for column in columns)


def _join(values: Iterable[str]) -> str:
    return ";".join(_quoted(value) for value in values)


def _quoted(value: str) -> str:
    if _NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def build(meta: dict, projects: list[dict], votes: list[dict]) -> Election:
    """An election made from the site's data, checked like a file and ready for `dumps`.

    Values may be numbers or Decimals; a vote may be a list of project ids. META gets
    num_projects and num_votes from the lists, and keys and columns come in the order
    pabulib.org lists them (unknown ones after, as given).
    """
    meta = {str(key): _as_text(value) for key, value in meta.items()}
    meta["num_projects"] = str(len(projects))
    meta["num_votes"] = str(len(votes))
    meta_keys = _in_format_order(meta, META_KEY_ORDER)
    project_columns = _in_format_order(
        _columns_of(projects, ("project_id", "cost")), PROJECT_COLUMN_ORDER
    )
    vote_columns = _in_format_order(_columns_of(votes, ("voter_id", "vote")), VOTE_COLUMN_ORDER)
    return _make_election(
        _built_section("META", ["key", "value"], [{"key": k, "value": meta[k]} for k in meta_keys]),
        _built_section("PROJECTS", project_columns, projects),
        _built_section("VOTES", vote_columns, votes),
    )


def _built_section(name: str, columns: list[str], rows: list[dict]) -> _Section:
    return _Section(name, None, None, columns, [(None, _cells(row, columns)) for row in rows])


def _columns_of(rows: list[dict], required: tuple[str, ...]) -> list[str]:
    columns = dict.fromkeys(required)
    for row in rows:
        columns.update(dict.fromkeys(str(column) for column in row))
    return list(columns)


def _in_format_order(names: Iterable[str], format_order: tuple[str, ...]) -> list[str]:
    names = list(names)
    known = [name for name in format_order if name in names]
    return known + [name for name in names if name not in format_order]


def _cells(row: dict, columns: list[str]) -> list[str]:
    by_text = {str(column): value for column, value in row.items()}
    return [_as_text(by_text.get(column)) for column in columns]


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(_as_text(item) for item in value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()
