"""Fill the example site's database with the demo, then scale it up.

    python benchmarks/generate.py small|large      (uses DJANGO_SETTINGS_MODULE and DATABASE_URL)

The demo content of Villebrune comes first (``participation_demo``): every page type, as a city
would build them. Then, at the chosen scale:

- residents with complete profiles;
- the "place du Marché" consultation gets published contributions, supports from distinct
  residents, comments, and official answers on a share of them;
- the open 2027 budget gets more projects on its ballot, spread over its envelopes;
- a real Pabulib election is imported with ``participation_import_pabulib`` (Łódź 2023 at large
  scale: 139 projects, 70 747 ballots; Toulouse Saint-Cyprien 2022 at small scale), its results
  computed and published;
- the town calendar gets meetings, a quarter of them repeating weekly or monthly;
- the restitution of the place du Marché reports on the consultation, the calendar and the
  imported budget.

``generate(scale)`` returns the addresses of the public pages to measure.
"""

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Where real elections are looked for, as the tests do (tests/pabulib_files.py): the suite's
# own small fixture, then PABULIB_DATA_DIR or the shared data folder beside the repository.
PABULIB_DIRS = [ROOT / "tests" / "fixtures" / "pabulib"] + (
    [Path(os.environ["PABULIB_DATA_DIR"])]
    if os.environ.get("PABULIB_DATA_DIR")
    else [ROOT.parent / "shared" / "data" / "pabulib", Path("/work/shared/data/pabulib")]
)


def election_path(filename):
    for folder in PABULIB_DIRS:
        if (folder / filename).is_file():
            return folder / filename
    looked = ", ".join(str(folder) for folder in PABULIB_DIRS)
    sys.exit(f"The election {filename} was not found (looked in {looked}; set PABULIB_DATA_DIR).")


SCALES = {
    "small": {
        "residents": 60,
        "contributions": 20,
        "supports": 60,
        "comments": 40,
        "projects": 30,
        "meetings": 20,
        "election": "France_Toulouse_2022_6_-_Saint-Cyprien.pb",
    },
    "large": {
        "residents": 5_000,
        "contributions": 10_000,
        "supports": 50_000,
        "comments": 20_000,
        "projects": 300,
        "meetings": 1_000,
        "election": "Poland_Lodz_2023.pb",
    },
}

BATCH = 2_000


def setup_django():
    sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")
    import django

    django.setup()


def generate(scale, log=print):
    """Build the site at ``scale``; return {page name: address} of the pages to measure."""
    from django.core.management import call_command

    sizes = SCALES[scale]
    rng = random.Random(2026)
    steps = [
        ("demo content", lambda: call_command("participation_demo", stdout=open(os.devnull, "w"))),
        ("residents", lambda: add_residents(sizes["residents"], rng)),
        ("contributions", lambda: add_contributions(sizes, rng)),
        ("budget projects", lambda: add_projects(sizes["projects"], rng)),
        ("Pabulib import", lambda: import_election(sizes["election"])),
        ("meetings", lambda: add_meetings(sizes["meetings"], rng)),
        ("restitution sources", add_restitution_sources),
    ]
    for name, step in steps:
        started = time.perf_counter()
        step()
        log(f"  {name}: {time.perf_counter() - started:.1f} s")
    return page_addresses()


def add_residents(count, rng):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from wagtail_participation.models import Neighbourhood
    from wagtail_participation.profiles import ParticipantProfile

    User = get_user_model()
    neighbourhoods = list(Neighbourhood.objects.all())
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(username=f"bench{n}", email=f"bench{n}@villebrune.example", password=unusable)
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    now = timezone.now()
    ParticipantProfile.objects.bulk_create(
        [
            ParticipantProfile(
                user=user,
                display_name=f"Habitant {n}",
                neighbourhood=rng.choice(neighbourhoods),
                lives_in_town=True,
                birth_year=rng.randint(1940, 2008),
                terms_accepted_at=now,
            )
            for n, user in enumerate(users)
        ],
        batch_size=BATCH,
    )


def bench_residents():
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(username__startswith="bench").order_by("pk"))


def add_contributions(sizes, rng):
    from django.utils import timezone

    from wagtail_participation.consultations.models import (
        AnswerStatus,
        Comment,
        CommentStatus,
        ConsultationPage,
        Contribution,
        ContributionStatus,
        Support,
    )
    from wagtail_participation.models import Neighbourhood

    page = ConsultationPage.objects.get(slug="place-du-marche")
    residents = bench_residents()
    neighbourhoods = list(Neighbourhood.objects.all())
    answers = [AnswerStatus.ACCEPTED, AnswerStatus.PARTIALLY_ACCEPTED, AnswerStatus.REJECTED]
    now = timezone.now()
    contributions = []
    for n in range(sizes["contributions"]):
        created = now - timedelta(minutes=10 * n + 5)
        answered = n % 10 == 0
        contributions.append(
            Contribution(
                page=page,
                author=rng.choice(residents),
                title=f"Idée n° {n} pour la place",
                body="Plus d'arbres, des bancs à l'ombre et un passage sûr pour les vélos. " * 3,
                neighbourhood=rng.choice(neighbourhoods),
                status=ContributionStatus.PUBLISHED,
                created_at=created,
                published_at=created,
                answer_status=rng.choice(answers) if answered else AnswerStatus.NONE,
                answer_text="La ville retient cette idée pour le cahier des charges."
                if answered
                else "",
                answered_at=now if answered else None,
            )
        )
    contributions = Contribution.objects.bulk_create(contributions, batch_size=BATCH)
    pairs = set()
    while len(pairs) < min(sizes["supports"], len(contributions) * len(residents)):
        pairs.add((rng.randrange(len(contributions)), rng.randrange(len(residents))))
    Support.objects.bulk_create(
        [Support(contribution=contributions[c], user=residents[r]) for c, r in sorted(pairs)],
        batch_size=BATCH,
    )
    Comment.objects.bulk_create(
        [
            Comment(
                contribution=rng.choice(contributions),
                author=rng.choice(residents),
                body="Bonne idée, à condition de garder le marché du samedi.",
                status=CommentStatus.PUBLISHED,
            )
            for _ in range(sizes["comments"])
        ],
        batch_size=BATCH,
    )


def add_projects(count, rng):
    from decimal import Decimal

    from wagtail_participation.budgets.models import BudgetPage, BudgetProject, ProjectStatus

    page = BudgetPage.objects.get(slug="budget-citoyen-2027")
    envelopes = list(page.envelopes.all())
    have = page.projects.count()
    BudgetProject.objects.bulk_create(
        [
            BudgetProject(
                page=page,
                envelope=envelopes[n % len(envelopes)],
                title=f"Projet n° {n}",
                description="Des jardinières, des bancs et un éclairage plus doux. " * 4,
                estimated_cost=Decimal(rng.randrange(1_000, 14_000, 100)),
                status=ProjectStatus.ON_BALLOT,
            )
            for n in range(max(0, count - have))
        ],
        batch_size=BATCH,
    )


def import_election(filename):
    from django.core.management import call_command

    path = str(election_path(filename))
    call_command("participation_import_pabulib", path, stdout=open(os.devnull, "w"))


def add_meetings(count, rng):
    from django.utils import timezone
    from wagtail.models import Page

    from tests.meeting_factories import bulk_meetings
    from wagtail_participation.meetings.models import Frequency, MeetingKind

    calendar = Page.objects.get(slug="agenda")
    today = timezone.localtime().replace(hour=18, minute=30, second=0, microsecond=0)
    kinds = list(MeetingKind.values)
    repeats = [Frequency.WEEKLY, Frequency.MONTHLY_DAY, Frequency.MONTHLY_WEEKDAY]
    specs = []
    for n in range(count):
        starts = today + timedelta(days=rng.randint(-200, 200), hours=rng.choice([-9, -2, 0]))
        spec = {
            "title": f"Réunion n° {n}",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "kind": rng.choice(kinds),
        }
        if n % 4 == 0:
            spec["frequency"] = rng.choice(repeats)
            spec["repeat_until"] = (starts + timedelta(days=rng.randint(30, 365))).date()
        specs.append(spec)
    for start in range(0, len(specs), 200):
        bulk_meetings(calendar, specs[start : start + 200])


def add_restitution_sources():
    from wagtail.models import Page

    from wagtail_participation.budgets.models import BudgetPage
    from wagtail_participation.restitution.models import RestitutionPage, RestitutionSource

    page = RestitutionPage.objects.get(slug="bilan-place-du-marche")
    imported = BudgetPage.objects.order_by("-pk").first()
    sources = [source.page for source in page.sources.all()] + [Page.objects.get(pk=imported.pk)]
    page.sources = [RestitutionSource(page=source) for source in sources]
    page.save_revision().publish()


def page_addresses():
    """The public pages the benchmark measures, by name."""
    from django.utils import timezone
    from wagtail.models import Page

    from wagtail_participation.budgets.models import BudgetPage
    from wagtail_participation.consultations.models import ConsultationPage, Contribution
    from wagtail_participation.meetings.models import CommitteeCalendarPage
    from wagtail_participation.models import ParticipationIndexPage
    from wagtail_participation.restitution.models import RestitutionPage

    consultation = ConsultationPage.objects.get(slug="place-du-marche")
    contribution = Contribution.objects.filter(page=consultation).order_by("-created_at").first()
    budget = BudgetPage.objects.get(slug="budget-citoyen-2027")
    imported = BudgetPage.objects.order_by("-pk").first()
    calendar = CommitteeCalendarPage.objects.get(slug="agenda")
    today = timezone.localdate()
    envelope = budget.envelopes.order_by("sort_order", "pk").first()
    return {
        "bare Wagtail page": Page.objects.get(depth=2).url,
        "participation index": ParticipationIndexPage.objects.first().url,
        "contribution list": consultation.url,
        "contribution detail": consultation.url
        + consultation.reverse_subpage("contribution_detail", args=[contribution.pk]),
        "project list": budget.url,
        "ballot page": budget.url + budget.reverse_subpage("vote_envelope", args=[envelope.pk]),
        "results page": imported.url + imported.reverse_subpage("results"),
        "month view": calendar.url
        + calendar.reverse_subpage("month_view", args=[today.year, today.month]),
        "calendar.ics": calendar.url + calendar.reverse_subpage("calendar_ics"),
        "restitution page": RestitutionPage.objects.get(slug="bilan-place-du-marche").url,
    }


if __name__ == "__main__":
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    for name, url in generate(sys.argv[1] if len(sys.argv) > 1 else "small").items():
        print(f"{name}: {url}")
