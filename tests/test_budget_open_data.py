"""Pabulib files in and out: the import, results and export commands, on real elections.

The real elections come from the Pabulib collection (pabulib.org; Stolicki, Szufa, Talmon,
arXiv:2012.06539): Saint-Cyprien is a fixture of this suite, the larger files are read from the
shared data folder beside the repository and their tests are skipped when it is absent.
"""

import io
import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import Page

from wagtail_participation.budgets import pabulib, rules
from wagtail_participation.budgets.models import (
    Ballot,
    BallotChannel,
    BallotChoice,
    BudgetPage,
    BudgetProject,
    BudgetResult,
    ProjectStatus,
    ResultsRule,
)
from wagtail_participation.budgets.results import publish_results
from wagtail_participation.status import PhaseKind

from .budget_factories import VOTE_ENDED, make_budget, make_project
from .pabulib_files import SAINT_CYPRIEN, real_election

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def real_file(name):
    return real_election(name, include_fixtures=False)


def run(command, *args):
    out = io.StringIO()
    call_command(command, *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def import_file(path, *args):
    output = run("participation_import_pabulib", path, *args)
    last_line = output.strip().splitlines()[-1]
    assert last_line.startswith("page_id=")
    return BudgetPage.objects.get(pk=int(last_line.removeprefix("page_id="))), output


def funded_in_file(path):
    election = pabulib.parse_file(path)
    return {row["project_id"] for row in election.projects if row.get("selected") == "1"}


def checker_findings(text):
    from pabulib.checker import Checker

    results = Checker().process_files([text])
    (per_file,) = [v for k, v in results.items() if k not in ("metadata", "summary")]
    return per_file["results"]


def assert_export_passes_the_checker(page):
    findings = checker_findings(run("participation_export_pabulib", page.pk))
    assert findings == {"errors": {}, "warnings": {}}


def counts():
    return (
        Page.objects.count(),
        BudgetProject.objects.count(),
        Ballot.objects.count(),
        BallotChoice.objects.count(),
    )


# Import -------------------------------------------------------------------------------------


def test_importing_saint_cyprien_creates_a_published_budget_with_its_results(index_page):
    election = pabulib.parse_file(SAINT_CYPRIEN)
    page, output = import_file(SAINT_CYPRIEN)

    assert page.live
    assert page.get_parent().pk == index_page.pk
    assert page.title == "Toulouse 6 - Saint-Cyprien 2022"
    assert page.pabulib_meta == election.meta
    assert (page.min_choices, page.max_choices, page.currency) == (1, 3, "EUR")
    assert page.results_rule == ResultsRule.GREEDY
    (envelope,) = page.envelope_list
    assert envelope.is_town_wide and envelope.amount == Decimal(400000)

    projects = {p.external_id: p for p in page.projects.all()}
    assert set(projects) == {row["project_id"] for row in election.projects}
    cyprien = projects["37"]
    assert cyprien.title == "Clarifier les priorités à la sortie de la rue Réclusane"
    assert cyprien.estimated_cost == Decimal(40000)
    assert [tag.name for tag in cyprien.themes.all()] == ["Cadre de vie"]

    assert page.ballots.count() == 436
    assert set(page.ballots.values_list("channel", flat=True)) == {BallotChannel.IMPORTED}
    assert page.ballots.filter(voter_key="imported:6-12").exists()
    assert BallotChoice.objects.filter(ballot__page=page).count() == 778

    vote, results = page.phases
    assert vote.kind == PhaseKind.VOTE and results.kind == PhaseKind.RESULTS
    assert vote.starts_at == datetime(2022, 10, 3, tzinfo=PARIS)
    assert vote.ends_at == datetime(2022, 11, 1, tzinfo=PARIS)  # the whole of 31 October
    assert results.starts_at == vote.ends_at and results.ends_at is None

    assert page.results_published
    expected = rules.compute(
        "greedy", election.project_costs(), list(election.approvals()), election.budget
    )
    assert page.published_results[0].data["selected"] == expected.selected
    funded = set(page.projects.filter(status=ProjectStatus.SELECTED).values_list("external_id"))
    assert {key for (key,) in funded} == set(expected.selected)
    assert "436 ballots" in output


def test_an_imported_budget_shows_its_results_and_imported_ballots(client, index_page):
    page, _output = import_file(SAINT_CYPRIEN)
    content = client.get(page.url + "results/").content.decode()
    assert "436 in all: 0 online, 0 on paper, 436 imported from a file" in content
    assert '<th scope="col">Imported</th>' in content
    assert "Clarifier les priorités à la sortie de la rue Réclusane" in content


def test_the_budget_goes_under_the_parent_given(index_page, root_page):
    other = root_page.add_child(
        instance=index_page.__class__(title="Other index", slug="other-index")
    )
    page, _output = import_file(SAINT_CYPRIEN, "--parent", other.pk)
    assert page.get_parent().pk == other.pk


def test_without_a_participation_index_the_import_says_what_to_do(root_page):
    before = counts()
    with pytest.raises(CommandError, match="no participation index page"):
        run("participation_import_pabulib", SAINT_CYPRIEN)
    with pytest.raises(CommandError, match="is not a participation index page"):
        run("participation_import_pabulib", SAINT_CYPRIEN, "--parent", root_page.pk)
    assert counts() == before


def broken_copy(tmp_path, old, new):
    text = SAINT_CYPRIEN.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "broken.pb"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    return broken, line


def test_a_malformed_file_names_its_line_and_creates_nothing(index_page, tmp_path):
    election = pabulib.parse_file(SAINT_CYPRIEN)
    last_voter = election.votes[-1]
    old = f"{last_voter['voter_id']};{last_voter['vote']}"
    broken, line = broken_copy(tmp_path, old, f"{last_voter['voter_id']};999")
    before = counts()
    with pytest.raises(CommandError) as caught:
        run("participation_import_pabulib", broken)
    message = str(caught.value)
    assert f"line {line}:" in message
    assert "'999', which is not in the PROJECTS section" in message
    assert counts() == before


def test_a_badly_written_cost_is_refused_with_its_line(index_page, tmp_path):
    broken, line = broken_copy(tmp_path, "37;40000.0;", "37;40000,0;")
    before = counts()
    with pytest.raises(CommandError, match=rf"line {line}: the cost of project '37'"):
        run("participation_import_pabulib", broken)
    assert counts() == before


def test_an_amount_the_site_cannot_store_is_refused(index_page, tmp_path):
    broken, _line = broken_copy(tmp_path, "37;40000.0;", "37;40000.005;")
    before = counts()
    with pytest.raises(CommandError, match=r"the cost of project '37' \(40000.005\) cannot be"):
        run("participation_import_pabulib", broken)
    assert counts() == before


def test_a_missing_file_is_a_clear_error(index_page, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("participation_import_pabulib", tmp_path / "nowhere.pb")


def test_a_rule_the_site_cannot_apply_is_refused_unless_another_is_chosen(index_page, tmp_path):
    unknown, _line = broken_copy(tmp_path, "rule;greedy", "rule;greedy-no-skip")
    before = counts()
    with pytest.raises(CommandError, match="'greedy-no-skip' is not one this site can apply"):
        run("participation_import_pabulib", unknown)
    assert counts() == before
    page, _output = import_file(unknown, "--rule", "equal-shares")
    assert page.results_rule == ResultsRule.EQUAL_SHARES
    assert page.published_results[0].rule == ResultsRule.EQUAL_SHARES


def test_a_threshold_in_the_file_becomes_the_pages_threshold(index_page, tmp_path):
    with_threshold, _line = broken_copy(
        tmp_path, "rule;greedy\n", "rule;greedy-threshold\nmin_project_score_threshold;60\n"
    )
    page, _output = import_file(with_threshold)
    assert (page.results_rule, page.vote_threshold) == (ResultsRule.GREEDY_THRESHOLD, 60)
    reasons = {p["votes"] < 60: p["reason"] for p in page.published_results[0].data["projects"]}
    assert reasons[True] == "below_threshold"


# Real elections: the rules through the command reproduce what the cities funded -----------------


def test_greedy_reproduces_warszawa_mokotow(index_page):
    path = real_file("Poland_Warszawa_2023_Mokotow.pb")
    page, _output = import_file(path)
    data = page.published_results[0].data
    assert data["rule"] == "greedy"
    assert set(data["selected"]) == funded_in_file(path)
    assert page.ballots.count() == 11067
    assert_export_passes_the_checker(page)


def test_greedy_with_threshold_reproduces_lodz(index_page):
    path = real_file("Poland_Lodz_2023.pb")
    page, _output = import_file(path)
    data = page.published_results[0].data
    assert (data["rule"], page.vote_threshold) == ("greedy-threshold", 100)
    assert set(data["selected"]) == funded_in_file(path)
    assert page.ballots.count() == 70747
    assert_export_passes_the_checker(page)


def test_equal_shares_reproduces_wieliczka(index_page):
    path = real_file("Poland_Wieliczka_2023_Green_Budget.pb")
    page, _output = import_file(path)
    data = page.published_results[0].data
    assert data["rule"] == "equal-shares"
    assert set(data["selected"]) == funded_in_file(path)
    assert len(data["selected"]) == 30
    assert data["spent"] == "995079"
    # 1 000 000 PLN / 6 586 voters, raised one zloty at a time while the projects still fit.
    assert (data["details"]["per_voter_start"], data["details"]["per_voter_final"]) == (
        "151.84",
        "315.84",
    )
    # The checker also accepts this export, but its own equal-shares count takes ~40 s.


# participation_results ----------------------------------------------------------------------


def test_results_command_prints_the_json_of_results_json(index_page):
    page, _output = import_file(SAINT_CYPRIEN)
    data = json.loads(run("participation_results", page.pk, "--format", "json"))
    published = page.published_results[0].data
    assert data["rule"] == "greedy"
    assert data["budget"] == "400000"
    assert data["selected"] == published["selected"]
    assert data["spent"] == published["spent"]
    assert {p["project_id"] for p in data["projects"]} == {
        p.external_id for p in page.projects.all()
    }
    assert data["envelopes"][0]["ballots"] == 436


def test_results_command_counts_with_another_rule_without_publishing_it(index_page):
    page, _output = import_file(SAINT_CYPRIEN)
    stored = BudgetResult.objects.get(page=page).data
    data = json.loads(
        run("participation_results", page.pk, "--rule", "equal-shares", "--format", "json")
    )
    assert data["rule"] == "equal-shares"
    assert all("effective_support" in p for p in data["projects"])
    assert BudgetResult.objects.get(page=page).data == stored


def test_results_command_prints_a_readable_table_before_publication(index_page, frozen_now):
    page = make_budget(index_page, phases=VOTE_ENDED)
    benches = make_project(page, "Benches", 60000)
    fountain = make_project(page, "Fountain", 50000)
    for number, chosen in enumerate([[benches, fountain], [benches]]):
        ballot = Ballot.objects.create(
            page=page, envelope=benches.envelope, voter_key=f"paper:{number}"
        )
        ballot.projects.add(*chosen)
    lines = run("participation_results", page.pk).splitlines()
    assert lines[0] == "Whole town: rule greedy, 2 ballots"
    assert lines[1] == "Budget 100000 EUR, spent 60000 EUR on 1 projects"
    assert lines[2].split() == ["rank", "project_id", "title", "cost", "votes", "funded", "reason"]
    assert lines[3].split() == ["1", str(benches.pk), "Benches", "60000", "2", "yes", "selected"]
    assert lines[4].split()[-2:] == ["no", "not_enough_budget"]
    assert not page.results.exists()


def test_results_command_refuses_an_unknown_page(db):
    with pytest.raises(CommandError, match="no participatory budget with id 424242"):
        run("participation_results", 424242)


# participation_export_pabulib ---------------------------------------------------------------


def test_an_imported_file_is_exported_faithfully_and_passes_the_checker(index_page, tmp_path):
    original = pabulib.parse_file(SAINT_CYPRIEN)
    page, _output = import_file(SAINT_CYPRIEN)
    target = tmp_path / "export.pb"
    assert run("participation_export_pabulib", page.pk, "-o", target) == ""
    text = target.read_text(encoding="utf-8")
    exported = pabulib.parse(text)

    for key in ("description", "country", "unit", "subunit", "instance", "date_begin",
                "date_end", "min_length", "max_length", "currency", "rule", "vote_type",
                "num_projects", "num_votes"):  # fmt: skip
        assert exported.meta[key] == original.meta[key], key
    assert Decimal(exported.meta["budget"]) == original.budget
    assert [row["voter_id"] for row in exported.votes] == [str(n) for n in range(1, 437)]
    assert list(exported.approvals()) == list(original.approvals())
    assert exported.project_costs() == original.project_costs()
    selected = {row["project_id"] for row in exported.projects if row["selected"] == "1"}
    assert selected == set(page.published_results[0].data["selected"])

    findings = checker_findings(text)
    assert findings["errors"] == {}
    assert findings["warnings"] == {}

    again, _output = import_file(target)
    assert (
        again.published_results[0].data["selected"] == (page.published_results[0].data["selected"])
    )


def test_export_writes_to_standard_output(index_page):
    page, _output = import_file(SAINT_CYPRIEN)
    text = run("participation_export_pabulib", page.pk)
    assert text.startswith("META\nkey;value\n")
    assert pabulib.parse(text).meta["num_votes"] == "436"


def test_export_of_a_site_budget_passes_the_checker_and_reimports_the_same(
    index_page, frozen_now, tmp_path
):
    page = make_budget(index_page, phases=VOTE_ENDED, max_choices=2)
    benches = make_project(page, "Benches", 60000)
    fountain = make_project(page, "Fountain", 50000)
    trees = make_project(page, "Trees", 30000)
    # Benches and Fountain tie at 2 votes: the cheaper Fountain comes first and is funded.
    for number, chosen in enumerate([[benches, fountain], [benches, trees], [fountain]]):
        ballot = Ballot.objects.create(
            page=page, envelope=benches.envelope, voter_key=f"paper:{number}", channel="paper"
        )
        ballot.projects.add(*chosen)
    publish_results(page)
    page = BudgetPage.objects.get(pk=page.pk)
    assert page.published_results[0].data["selected"] == [str(fountain.pk), str(trees.pk)]

    target = tmp_path / "site.pb"
    run("participation_export_pabulib", page.pk, "-o", target)
    findings = checker_findings(target.read_text(encoding="utf-8"))
    assert findings["errors"] == {}
    again, _output = import_file(target)
    assert again.published_results[0].data["selected"] == [str(fountain.pk), str(trees.pk)]


def test_export_asks_for_an_envelope_when_there_are_several(index_page, neighbourhoods, frozen_now):
    page = make_budget(
        index_page,
        phases=VOTE_ENDED,
        envelopes=((None, 100000), (neighbourhoods["centre"], 20000)),
    )
    town, centre = page.envelope_list
    with pytest.raises(CommandError, match=rf"several envelopes.*{centre.pk} \(Centre\)"):
        run("participation_export_pabulib", page.pk)
    make_project(page, "Centre benches", 5000, envelope=centre)
    text = run("participation_export_pabulib", page.pk, "--envelope", centre.pk)
    election = pabulib.parse(text)
    assert election.meta["subunit"] == "Centre"
    assert "selected" not in election.project_columns  # results not published


def test_resident_text_in_an_export_stays_in_its_field_and_on_its_line(index_page, frozen_now):
    """A `;`, a quote or a line break in a title neither adds a field nor starts a line, and
    the project's own parser reads back exactly the title (on one line)."""
    page = make_budget(index_page, phases=VOTE_ENDED)
    titles = {
        make_project(page, title, 1000).pk: title
        for title in ['Benches; "new" ones', "=1+1 <script>x</script>", "Two\r\nX-INJECTED:1;"]
    }

    text = run("participation_export_pabulib", page.pk)

    assert not [line for line in text.splitlines() if line.startswith("X-INJECTED")]
    election = pabulib.parse(text)
    names = {int(row["project_id"]): row["name"] for row in election.projects}
    assert names == {pk: " ".join(title.split()) for pk, title in titles.items()}
    assert election.project_columns == ["project_id", "cost", "votes", "name", "category"]
