"""A process's status is derived from its phases and the clock, in Python and in SQL alike."""

from datetime import timedelta

import pytest
from wagtail.models import Page

from wagtail_participation.status import (
    PhaseKind,
    ProcessStatus,
    annotate_status,
    find_overlaps,
    status_at,
)

from .conftest import NOW, make_process, phase

CONSULTATION = [
    phase(PhaseKind.INFORMATION, 0, 10),
    phase(PhaseKind.CONTRIBUTION, 10, 30),
    # a gap of 10 days: the process is still open, waiting for its next phase
    phase(PhaseKind.VOTE, 40, 50),
    phase(PhaseKind.RESULTS, 60, None),
]


@pytest.mark.parametrize(
    "offset_days, expected",
    [
        (-1, ProcessStatus.UPCOMING),
        (0, ProcessStatus.OPEN),  # the first phase starts at this very moment
        (15, ProcessStatus.OPEN),
        (35, ProcessStatus.OPEN),  # between two phases
        (59.99, ProcessStatus.OPEN),
        (60, ProcessStatus.RESULTS_PUBLISHED),
        (600, ProcessStatus.RESULTS_PUBLISHED),
    ],
)
def test_status_follows_the_clock(offset_days, expected):
    assert status_at(CONSULTATION, NOW + timedelta(days=offset_days)) == expected


def test_process_without_results_phase_closes_when_last_phase_ends():
    phases = [phase(PhaseKind.CONTRIBUTION, 0, 10)]
    assert status_at(phases, NOW + timedelta(days=9)) == ProcessStatus.OPEN
    assert status_at(phases, NOW + timedelta(days=10)) == ProcessStatus.CLOSED


def test_open_ended_phase_never_closes():
    phases = [phase(PhaseKind.IMPLEMENTATION, 0, None)]
    assert status_at(phases, NOW + timedelta(days=3650)) == ProcessStatus.OPEN


def test_process_without_phases_is_upcoming():
    assert status_at([], NOW) == ProcessStatus.UPCOMING


def test_page_status_uses_the_real_clock(index_page, frozen_now):
    page = make_process(index_page, "Market square", CONSULTATION)
    page = Page.objects.get(pk=page.pk).specific
    assert page.status == ProcessStatus.OPEN
    assert page.current_phase.kind == PhaseKind.INFORMATION
    assert page.next_phase.kind == PhaseKind.CONTRIBUTION


def test_page_status_changes_without_any_write(index_page, time_machine):
    time_machine.move_to(NOW - timedelta(days=1), tick=False)
    page = make_process(index_page, "Market square", CONSULTATION)
    assert Page.objects.get(pk=page.pk).specific.status == ProcessStatus.UPCOMING
    time_machine.move_to(NOW + timedelta(days=20), tick=False)
    fresh = Page.objects.get(pk=page.pk).specific
    assert fresh.status == ProcessStatus.OPEN
    assert fresh.current_phase.kind == PhaseKind.CONTRIBUTION
    time_machine.move_to(NOW + timedelta(days=61), tick=False)
    assert Page.objects.get(pk=page.pk).specific.status == ProcessStatus.RESULTS_PUBLISHED


SCENARIOS = {
    "no phases": [],
    "upcoming": [phase(PhaseKind.CONTRIBUTION, 5, 10)],
    "open": [phase(PhaseKind.CONTRIBUTION, -5, 10)],
    "open between phases": [phase(PhaseKind.INFORMATION, -10, -5), phase(PhaseKind.VOTE, 5, 9)],
    "open ended": [phase(PhaseKind.IMPLEMENTATION, -5)],
    "closed": [phase(PhaseKind.CONTRIBUTION, -10, -5)],
    "closed at the end instant": [phase(PhaseKind.CONTRIBUTION, -10, 0)],
    "results": [phase(PhaseKind.CONTRIBUTION, -10, -5), phase(PhaseKind.RESULTS, -1)],
    "results announced": [phase(PhaseKind.CONTRIBUTION, -10, -5), phase(PhaseKind.RESULTS, 1)],
}


def test_sql_status_agrees_with_python_status(index_page):
    pages = {name: make_process(index_page, name, phases) for name, phases in SCENARIOS.items()}
    annotated = dict(
        annotate_status(
            Page.objects.filter(pk__in=[p.pk for p in pages.values()]), NOW
        ).values_list("title", "participation_status")
    )
    expected = {name: status_at(phases, NOW).value for name, phases in SCENARIOS.items()}
    assert annotated == expected
    assert set(expected.values()) == {s.value for s in ProcessStatus}


def test_overlap_detection():
    assert find_overlaps([phase("vote", 0, 10), phase("results", 10, 20)]) == []
    earlier, later = phase("information", 0, 10), phase("vote", 9, 20)
    assert find_overlaps([later, earlier]) == [(earlier, later)]
    open_ended, after = phase("implementation", 0), phase("results", 100, 110)
    assert find_overlaps([open_ended, after]) == [(open_ended, after)]
