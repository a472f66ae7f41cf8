"""Pabulib `.pb` files: reading real elections, writing them back, and every refusal a city
officer may meet, with the line to look at.

The real elections come from Pabulib (pabulib.org; Stolicki, Szufa, Talmon, "Pabulib: A
Participatory Budgeting Library", arXiv:2012.06539). Set PABULIB_DATA_DIR to the folder holding
them; tests that need a missing file are skipped and say which.
"""

from collections import Counter
from decimal import Decimal

import pytest

from wagtail_participation.budgets.pabulib import (
    Election,
    PabulibError,
    build,
    dumps,
    parse,
    parse_file,
)

from .pabulib_files import real_election

REAL_FILES = [
    "France_Toulouse_2022_6_-_Saint-Cyprien.pb",
    "France_Toulouse_2022.pb",
    "France_Toulouse_2024.pb",
    "Poland_Warszawa_2023_Mokotow.pb",
    "Poland_Lodz_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
]
SAINT_CYPRIEN = "France_Toulouse_2022_6_-_Saint-Cyprien.pb"


def real_file(name):
    return real_election(name)


# A small valid election; the error tests change one line of it. Line numbers on the right.
VALID = """\
META
key;value
description;Test
num_projects;2
num_votes;2
budget;1000
vote_type;approval
min_length;1
max_length;2
PROJECTS
project_id;cost;name
p1;600;Park
p2;500;Bench
VOTES
voter_id;vote
v1;p1,p2
v2;p2
"""
VALID_LINES = VALID.splitlines()


def with_line(number, new_text):
    """VALID with line `number` replaced (None removes it)."""
    lines = list(VALID_LINES)
    if new_text is None:
        del lines[number - 1]
    else:
        lines[number - 1] = new_text
    return "\n".join(lines) + "\n"


def refusal(source):
    with pytest.raises(PabulibError) as caught:
        parse(source)
    return caught.value


def checker_findings(text):
    """What the Pabulib checker says of one file's text: (metadata, {"errors", "warnings"})."""
    from pabulib.checker import Checker

    results = Checker().process_files([text])
    (per_file,) = [value for key, value in results.items() if key not in ("metadata", "summary")]
    return results["metadata"], per_file["results"]


# Reading the valid example


def test_valid_election_reads_as_written():
    election = parse(VALID)
    assert list(election.meta) == [
        "description", "num_projects", "num_votes", "budget", "vote_type", "min_length",
        "max_length",
    ]  # fmt: skip
    assert election.budget == Decimal("1000")
    assert election.vote_type == "approval"
    assert (election.min_length, election.max_length) == (1, 2)
    assert election.currency is None
    assert election.project_columns == ["project_id", "cost", "name"]
    assert election.projects[0] == {"project_id": "p1", "cost": "600", "name": "Park"}
    assert election.vote_columns == ["voter_id", "vote"]
    assert election.votes[0] == {"voter_id": "v1", "vote": "p1,p2"}
    assert list(election.approvals()) == [["p1", "p2"], ["p2"]]
    assert election.project_costs() == {"p1": Decimal(600), "p2": Decimal(500)}


def test_bom_crlf_and_trailing_empty_lines_are_tolerated():
    messy = "\ufeff" + VALID.replace("\n", "\r\n") + "\r\n\r\n"
    assert parse(messy) == parse(VALID)
    assert parse(messy.encode("utf-8")) == parse(VALID)


def test_mixed_line_endings_and_blank_lines_are_tolerated():
    mixed = VALID.replace("p1;600;Park\n", "p1;600;Park\r\n\n")
    assert parse(mixed) == parse(VALID)


def test_lines_with_or_without_endings_read_the_same():
    assert parse(VALID.splitlines()) == parse(VALID)
    assert parse(VALID.splitlines(keepends=True)) == parse(VALID)
    assert parse(["\ufeff" + VALID_LINES[0], *VALID_LINES[1:]]) == parse(VALID)


def test_spaces_after_semicolons_as_in_the_format_page_example():
    spaced = VALID.replace(";", "; ")
    assert parse(spaced) == parse(VALID)


def test_quoted_values_keep_semicolons_quotes_and_newlines():
    text = with_line(12, 'p1;"600";"Park; ""north"" side\nnear the school"')
    election = parse(text)
    assert election.projects[0]["name"] == 'Park; "north" side\nnear the school'
    assert election.projects[0]["cost"] == "600"
    assert parse(dumps(election)) == election


def test_line_numbers_count_the_lines_of_a_multiline_value():
    text = with_line(12, 'p1;600;"Park\nnear\nthe school"').replace("v2;p2", "v2;p9")
    error = refusal(text)
    assert error.line == 19


def test_decimal_costs_and_budget_are_read_exactly():
    election = parse(with_line(6, "budget;400000.0").replace("p1;600;", "p1;0.1;"))
    assert election.budget == Decimal("400000.0")
    assert election.project_costs()["p1"] == Decimal("0.1")


def test_an_empty_vote_is_a_voter_who_approved_nothing():
    election = parse(with_line(17, "v2;"))
    assert list(election.approvals()) == [["p1", "p2"], []]


def test_parse_file_reads_bytes_from_disk(tmp_path):
    path = tmp_path / "small.pb"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.replace("\n", "\r\n").encode())
    assert parse_file(path) == parse(VALID)


# Refusals: each one names the line to look at


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        pytest.param("", 1, "the file is empty", id="empty file"),
        pytest.param("\n\r\n  \n", 1, "the file is empty", id="only blank lines"),
        pytest.param(
            with_line(1, None),
            1,
            "the file must start with a line reading META, found 'key;value'",
            id="no META line",
        ),
        pytest.param(
            with_line(10, None),
            10,
            "the line PROJECTS is missing before this header row",
            id="no PROJECTS line",
        ),
        pytest.param(
            with_line(14, None),
            14,
            "the line VOTES is missing before this header row",
            id="no VOTES line",
        ),
        pytest.param(
            "\n".join(VALID_LINES[:13]),
            13,
            "the file ends without a VOTES section",
            id="no VOTES section",
        ),
        pytest.param(
            "\n".join(VALID_LINES[:9] + VALID_LINES[13:] + VALID_LINES[9:13]),
            10,
            "expected the PROJECTS section here, found VOTES: "
            "the sections must come in the order META, PROJECTS, VOTES",
            id="sections in the wrong order",
        ),
        pytest.param(
            VALID + "META\nkey;value\n",
            18,
            "the META section appears a second time (first on line 1)",
            id="section twice",
        ),
        pytest.param(
            with_line(2, None),
            2,
            "the META section must begin with the header row key;value, found 'description;Test'",
            id="no META header row",
        ),
        pytest.param(
            "\n".join(VALID_LINES[:10] + VALID_LINES[13:]),
            10,
            "the PROJECTS section has no header row",
            id="no PROJECTS header row",
        ),
        pytest.param(
            "\n".join(VALID_LINES[:14]),
            14,
            "the VOTES section has no header row",
            id="no VOTES header row",
        ),
        pytest.param(
            with_line(11, "project_id;price;name"),
            11,
            "the PROJECTS header row has no 'cost' column, found 'project_id;price;name'",
            id="no cost column",
        ),
        pytest.param(
            with_line(11, "id;cost;name"),
            11,
            "the PROJECTS header row has no 'project_id' column, found 'id;cost;name'",
            id="no project_id column",
        ),
        pytest.param(
            with_line(15, "voter;vote"),
            15,
            "the VOTES header row has no 'voter_id' column, found 'voter;vote'",
            id="no voter_id column",
        ),
        pytest.param(
            with_line(15, "voter_id;ballot"),
            15,
            "the VOTES header row has no 'vote' column, found 'voter_id;ballot'",
            id="no vote column",
        ),
        pytest.param(
            with_line(11, "project_id;cost;name;cost"),
            11,
            "the column 'cost' appears twice in the PROJECTS header row",
            id="column twice",
        ),
        pytest.param(
            with_line(11, "project_id;cost;"),
            11,
            "column 3 of the PROJECTS header row has no name",
            id="unnamed column",
        ),
        pytest.param(
            with_line(12, "p1;600"),
            12,
            "this row has 2 values but the PROJECTS header row has 3 columns",
            id="too few values",
        ),
        pytest.param(
            with_line(12, "p1;600;Park;north side"),
            12,
            "this row has 4 values but the PROJECTS header row has 3 columns "
            "(a value containing ';' must be put in double quotes)",
            id="too many values",
        ),
        pytest.param(
            with_line(16, "v1"),
            16,
            "this row has 1 value but the VOTES header row has 2 columns",
            id="vote row too short",
        ),
        pytest.param(
            with_line(3, "description;Test;extra"),
            3,
            "this row has 3 values but the META header row has 2 columns "
            "(a value containing ';' must be put in double quotes)",
            id="META row too long",
        ),
        pytest.param(
            with_line(12, 'p1;600;"Park'),
            12,
            "a quoted value that starts on this line is never closed",
            id="unclosed quote",
        ),
        pytest.param(
            with_line(12, 'p1;600;"Park" north'),
            12,
            "badly quoted value (';' expected after '\"'): a value in double quotes must end with "
            "a quote followed by ';' or the end of the line, and a quote inside it must be doubled",
            id="text after a closing quote",
        ),
        pytest.param(with_line(3, ";Test"), 3, "this META line has no key", id="META key empty"),
        pytest.param(
            with_line(8, "budget;2000"),
            8,
            "the META key 'budget' appears twice (first on line 6)",
            id="META key twice",
        ),
        pytest.param(
            with_line(6, None), 1, "the META section has no 'budget' line", id="no budget"
        ),
        pytest.param(
            with_line(7, None), 1, "the META section has no 'vote_type' line", id="no vote_type"
        ),
        pytest.param(
            with_line(6, "budget;a lot"),
            6,
            "the budget must be a positive number, found 'a lot'",
            id="budget not a number",
        ),
        pytest.param(
            with_line(6, "budget;0"),
            6,
            "the budget must be a positive number, found '0'",
            id="budget zero",
        ),
        pytest.param(
            with_line(6, "budget;-1000"),
            6,
            "the budget must be a positive number, found '-1000'",
            id="budget negative",
        ),
        pytest.param(
            with_line(6, "budget;1000,50"),
            6,
            "the budget must be a positive number, found '1000,50' "
            "(use a dot, not a comma, before the decimals)",
            id="budget with decimal comma",
        ),
        pytest.param(
            with_line(7, "vote_type;ordinal"),
            7,
            "only approval ballots are supported, this file has 'ordinal'",
            id="ordinal ballots",
        ),
        pytest.param(
            with_line(9, "max_length;two"),
            9,
            "'max_length' must be a whole number, found 'two'",
            id="max_length not a number",
        ),
        pytest.param(
            with_line(12, ";600;Park"),
            12,
            "this project has an empty project_id",
            id="empty project id",
        ),
        pytest.param(
            with_line(13, "p1;500;Bench"),
            13,
            "project 'p1' appears twice (first on line 12)",
            id="project twice",
        ),
        pytest.param(
            with_line(12, "p1;six hundred;Park"),
            12,
            "the cost of project 'p1' is not a number: 'six hundred'",
            id="cost not a number",
        ),
        pytest.param(
            with_line(12, "p1;600,50;Park"),
            12,
            "the cost of project 'p1' is not a number: '600,50' "
            "(use a dot, not a comma, before the decimals)",
            id="cost with decimal comma",
        ),
        pytest.param(
            with_line(12, "p1;;Park"),
            12,
            "the cost of project 'p1' is not a number: ''",
            id="cost missing",
        ),
        pytest.param(
            with_line(12, "p1;0;Park"),
            12,
            "the cost of project 'p1' must be greater than zero, found '0'",
            id="cost zero",
        ),
        pytest.param(
            with_line(12, "p1;-600;Park"),
            12,
            "the cost of project 'p1' must be greater than zero, found '-600'",
            id="cost negative",
        ),
        pytest.param(
            with_line(17, ";p2"), 17, "this vote has an empty voter_id", id="empty voter id"
        ),
        pytest.param(
            with_line(17, "v1;p2"),
            17,
            "voter 'v1' appears twice (first on line 16)",
            id="voter twice",
        ),
        pytest.param(
            with_line(17, "v2;p2,p9"),
            17,
            "voter 'v2' votes for project 'p9', which is not in the PROJECTS section",
            id="unknown project",
        ),
        pytest.param(
            with_line(17, "v2;p2,"),
            17,
            "the vote of voter 'v2' has an empty project id: 'p2,'",
            id="empty project id in vote",
        ),
        pytest.param(
            with_line(16, "v1;p1,p2,p1"),
            16,
            "voter 'v1' names project 'p1' twice in one vote",
            id="project twice in one vote",
        ),
    ],
)
def test_refusal_names_line_and_reason(source, line, reason):
    error = refusal(source)
    assert (error.line, error.reason) == (line, reason)
    assert str(error) == f"line {line}: {reason}"
    assert isinstance(error, ValueError)


def test_non_utf8_file_is_refused_at_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "latin1.pb"
    path.write_bytes(with_line(13, "p2;500;Banc près de l'école").encode("latin-1"))
    with pytest.raises(PabulibError) as caught:
        parse_file(path)
    assert caught.value.line == 13
    assert caught.value.reason == (
        "the file is not UTF-8 text (byte 0xE8 cannot be read); "
        "save it again with the UTF-8 encoding"
    )


# Writing


def test_dumps_quotes_only_what_needs_quoting():
    election = parse(VALID)
    election.projects[0]["name"] = 'Park; "north"\nside'
    text = dumps(election)
    assert 'p1;600;"Park; ""north""\nside"\n' in text
    assert "p2;500;Bench\n" in text
    assert text.startswith("META\nkey;value\ndescription;Test\n")
    assert parse(text) == election


def test_dumps_of_the_valid_example_is_the_same_text():
    assert dumps(parse(VALID)) == VALID


def test_build_counts_projects_and_votes_and_orders_keys_as_the_format_does():
    election = build(
        {
            "currency": "EUR",
            "vote_type": "approval",
            "budget": Decimal("1000.00"),
            "unit": "Liévin",
        },
        [
            {"name": "Park", "cost": 600, "project_id": "p1"},
            {"project_id": "p2", "cost": Decimal("500"), "name": "Bench", "local_ref": "B-7"},
        ],
        [{"vote": ["p1", "p2"], "voter_id": 1}, {"voter_id": 2, "vote": "p2"}],
    )
    assert list(election.meta.items()) == [
        ("unit", "Liévin"),
        ("num_projects", "2"),
        ("num_votes", "2"),
        ("budget", "1000.00"),
        ("vote_type", "approval"),
        ("currency", "EUR"),
    ]
    assert election.project_columns == ["project_id", "cost", "name", "local_ref"]
    assert election.projects[0] == {
        "project_id": "p1",
        "cost": "600",
        "name": "Park",
        "local_ref": "",
    }
    assert election.vote_columns == ["voter_id", "vote"]
    assert election.votes == [{"voter_id": "1", "vote": "p1,p2"}, {"voter_id": "2", "vote": "p2"}]
    assert parse(dumps(election)) == election


def test_build_replaces_stale_counts():
    election = build(
        {"num_votes": "999", "budget": 10, "vote_type": "approval", "num_projects": "0"},
        [{"project_id": "p1", "cost": 5}],
        [],
    )
    assert (election.meta["num_projects"], election.meta["num_votes"]) == ("1", "0")


def test_build_refuses_what_parse_refuses_without_a_line_number():
    with pytest.raises(PabulibError) as caught:
        build(
            {"budget": 10, "vote_type": "approval"},
            [{"project_id": "p1", "cost": 5}],
            [{"voter_id": "v1", "vote": ["p1", "p7"]}],
        )
    assert caught.value.line is None
    expected = "voter 'v1' votes for project 'p7', which is not in the PROJECTS section"
    assert str(caught.value) == expected


def test_election_can_be_made_directly_and_written():
    election = Election(
        meta={"budget": "10", "vote_type": "approval"},
        projects=[{"project_id": "p1", "cost": "5"}],
        project_columns=["project_id", "cost"],
        votes=[{"voter_id": "v1", "vote": "p1"}],
    )
    assert parse(dumps(election)) == election


# Real elections


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_election_matches_its_own_counts(name):
    election = parse_file(real_file(name))
    assert len(election.projects) == int(election.meta["num_projects"])
    assert len(election.votes) == int(election.meta["num_votes"])
    assert election.vote_type == "approval"
    assert election.budget > 0
    if "votes" in election.project_columns:
        approvals = Counter(project_id for ballot in election.approvals() for project_id in ballot)
        assert {p["project_id"]: int(p["votes"]) for p in election.projects} == {
            p["project_id"]: approvals[p["project_id"]] for p in election.projects
        }


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_election_survives_a_round_trip(name):
    path = real_file(name)
    election = parse_file(path)
    again = parse(dumps(election))
    assert again == election
    assert list(again.meta) == list(election.meta)
    # These files are already written the way we write: the text comes back unchanged.
    original = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    assert dumps(election) == original


def test_saint_cyprien_reads_as_published():
    election = parse_file(real_file(SAINT_CYPRIEN))
    assert election.budget == Decimal("400000.0")
    assert (election.min_length, election.max_length) == (1, 3)
    assert election.currency == "EUR"
    assert election.subunit == "6 - Saint-Cyprien"
    assert election.project_columns == [
        "project_id",
        "cost",
        "votes",
        "name",
        "category",
        "district",
    ]
    assert next(election.approvals()) == ["35", "36", "34"]


# The Pabulib checker's judgement of what we write


def test_checker_finds_nothing_new_in_our_saint_cyprien():
    path = real_file(SAINT_CYPRIEN)
    ours = dumps(parse_file(path))
    metadata, findings = checker_findings(ours)
    assert metadata == {"processed": 1, "valid": 1, "invalid": 0}
    assert findings["errors"] == {}
    # The file has no `selected` column, so the checker cannot verify the greedy outcome.
    assert list(findings["warnings"]) == ["missing selected field in projects"]
    assert checker_findings(path.read_bytes().decode("utf-8-sig")) == (metadata, findings)


def small_built_election():
    return build(
        {
            "description": "Budget citoyen de Liévin",
            "country": "France",
            "unit": "Liévin",
            "instance": "2026",
            "budget": Decimal("100000"),
            "vote_type": "approval",
            "rule": "greedy",
            "date_begin": "01.03.2026",
            "date_end": "31.03.2026",
            "min_length": 1,
            "max_length": 2,
            "language": "fr",
            "currency": "EUR",
        },
        [
            {
                "project_id": "1",
                "cost": Decimal("60000.00"),
                "votes": 3,
                "selected": 1,
                "name": 'Jardin "partagé"; rue Basly',
            },
            {
                "project_id": "2",
                "cost": 50000,
                "votes": 2,
                "selected": 0,
                "name": "Aire de jeux\nquartier nord",
            },
            {"project_id": "3", "cost": 30000, "votes": 1, "selected": 1, "name": "Bancs"},
        ],  # fmt: skip
        [
            {"voter_id": "a", "vote": ["1", "2"]},
            {"voter_id": "b", "vote": ["1", "2"]},
            {"voter_id": "c", "vote": ["1", "3"]},
        ],
    )


def test_checker_accepts_a_built_election_without_any_remark():
    metadata, findings = checker_findings(dumps(small_built_election()))
    assert metadata == {"processed": 1, "valid": 1, "invalid": 0}
    assert findings == {"errors": {}, "warnings": {}}


def test_checker_does_object_when_the_counts_are_wrong():
    """Guards the two checker tests above against a checker that accepts anything."""
    text = dumps(small_built_election()).replace("num_votes;3", "num_votes;4")
    metadata, findings = checker_findings(text)
    assert metadata["invalid"] == 1
    assert findings["errors"] == {
        "different number of votes": {1: "votes number in META: `4` vs counted from file: `3`"}
    }
