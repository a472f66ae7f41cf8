"""Where a participatory process stands, derived from its phases and the clock.

Nothing here is stored: a process opens and closes because time passes, with no cron job.
``status_at`` works on phases in memory (one page); ``annotate_status`` does the same in SQL
for any page queryset (the index filters and sorts on it). Both follow the same rules:

- results published: a phase of kind "results" has started;
- upcoming: no phase has started yet (or there are no phases);
- open: a phase has started and some phase has not ended (an open-ended phase never ends);
- closed: every phase has ended.
"""

from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils.translation import pgettext_lazy


class PhaseKind(models.TextChoices):
    INFORMATION = "information", pgettext_lazy("phase kind", "Information")
    CONTRIBUTION = "contribution", pgettext_lazy("phase kind", "Contributions")
    DELIBERATION = "deliberation", pgettext_lazy("phase kind", "Analysis and deliberation")
    VOTE = "vote", pgettext_lazy("phase kind", "Vote")
    RESULTS = "results", pgettext_lazy("phase kind", "Results")
    IMPLEMENTATION = "implementation", pgettext_lazy("phase kind", "Implementation")


class ProcessStatus(models.TextChoices):
    UPCOMING = "upcoming", pgettext_lazy("process status", "Upcoming")
    OPEN = "open", pgettext_lazy("process status", "Open")
    CLOSED = "closed", pgettext_lazy("process status", "Closed")
    RESULTS_PUBLISHED = "results", pgettext_lazy("process status", "Results published")


# The order in which an index lists processes: what residents can act on first.
STATUS_ORDER = [
    ProcessStatus.OPEN,
    ProcessStatus.UPCOMING,
    ProcessStatus.RESULTS_PUBLISHED,
    ProcessStatus.CLOSED,
]


def has_started(phase, now):
    return phase.starts_at <= now


def has_ended(phase, now):
    return phase.ends_at is not None and phase.ends_at <= now


def status_at(phases, now):
    phases = list(phases)
    if any(p.kind == PhaseKind.RESULTS and has_started(p, now) for p in phases):
        return ProcessStatus.RESULTS_PUBLISHED
    if not any(has_started(p, now) for p in phases):
        return ProcessStatus.UPCOMING
    if any(not has_ended(p, now) for p in phases):
        return ProcessStatus.OPEN
    return ProcessStatus.CLOSED


def current_phase_at(phases, now):
    for phase in phases:
        if has_started(phase, now) and not has_ended(phase, now):
            return phase
    return None


def next_phase_at(phases, now):
    upcoming = [p for p in phases if not has_started(p, now)]
    return min(upcoming, key=lambda p: p.starts_at, default=None)


def status_expression(now):
    """A SQL expression giving ``status_at`` for each row of a page queryset."""
    from .models import ProcessPhase

    phases = ProcessPhase.objects.filter(page=OuterRef("pk"))
    started = phases.filter(starts_at__lte=now)
    return Case(
        When(
            Exists(started.filter(kind=PhaseKind.RESULTS)),
            then=Value(ProcessStatus.RESULTS_PUBLISHED.value),
        ),
        When(~Exists(started), then=Value(ProcessStatus.UPCOMING.value)),
        When(
            Exists(phases.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))),
            then=Value(ProcessStatus.OPEN.value),
        ),
        default=Value(ProcessStatus.CLOSED.value),
        output_field=models.CharField(),
    )


def annotate_status(queryset, now):
    return queryset.annotate(participation_status=status_expression(now))


def status_rank_expression():
    return Case(
        *[
            When(participation_status=status.value, then=Value(rank))
            for rank, status in enumerate(STATUS_ORDER)
        ],
        output_field=models.IntegerField(),
    )


def find_overlaps(phases):
    """Pairs of phases whose periods overlap; a phase with no end runs forever.

    A phase may start at the very moment the previous one ends.
    """
    ordered = sorted(phases, key=lambda p: p.starts_at)
    overlaps = []
    for index, earlier in enumerate(ordered):
        for later in ordered[index + 1 :]:
            if earlier.ends_at is None or later.starts_at < earlier.ends_at:
                overlaps.append((earlier, later))
    return overlaps
