"""Demo content of Villebrune's budget citoyen: one edition per stage of a budget's life.

- 2027: the vote is open (a town-wide envelope and one per neighbourhood);
- 2026: the vote is over and the results are published (Method of Equal Shares);
- 2025: the funded projects are being built, with implementation updates.

Ballots are cast through the package's own ``cast_ballot``, online for the demo residents and
as paper ballots for the rest, so that the demo obeys the same rules as real votes.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from wagtail_participation.budgets.ballots import cast_ballot
from wagtail_participation.budgets.models import (
    BallotChannel,
    BallotKind,
    BudgetEnvelope,
    BudgetPage,
    BudgetProject,
    ImplementationUpdate,
    ProjectStatus,
    ResultsRule,
    VotingScope,
)
from wagtail_participation.budgets.results import publish_results

from .demo_consultation import demo_residents

INTRO = (
    "Chaque année, Villebrune consacre 100 000 € à des projets proposés et choisis par ses "
    "habitants, dès 16 ans."
)

# (title, cost, envelope: None for the whole town or a neighbourhood slug, theme, description)
PROJECTS_2027 = [
    (
        "Des fontaines à eau dans les parcs",
        18000,
        None,
        "Espaces verts",
        "Quatre fontaines d'eau potable dans les parcs de la ville, accessibles aux fauteuils.",
    ),
    (
        "Une boîte à livres dans chaque quartier",
        6000,
        None,
        "Culture",
        "Des boîtes à livres fabriquées par le chantier d'insertion, une par quartier.",
    ),
    (
        "Un atelier vélo solidaire",
        22000,
        None,
        "Mobilités",
        "Un local et des outils pour apprendre à réparer son vélo, ouvert deux soirs par semaine.",
    ),
    (
        "Des bancs le long du canal",
        9000,
        "les-pres",
        "Espaces verts",
        "Dix bancs entre l'écluse et le pont des Prés, pour les promeneurs et les aînés.",
    ),
    (
        "Un jardin partagé aux Prés",
        12000,
        "les-pres",
        "Espaces verts",
        "Des bacs potagers et un récupérateur d'eau sur la parcelle en friche de la rue du Canal.",
    ),
    (
        "Des arceaux vélo devant la gare",
        7000,
        "la-gare",
        "Mobilités",
        "Quarante arceaux abrités devant la gare, éclairés la nuit.",
    ),
    (
        "Un terrain multisport à la Gare",
        15000,
        "la-gare",
        "Sport",
        "Un petit terrain clos pour le foot et le basket derrière la salle des fêtes.",
    ),
    (
        "Une fresque sur le mur du marché",
        8000,
        "centre-ville",
        "Culture",
        "Une fresque peinte avec les écoles sur le mur aveugle du marché couvert.",
    ),
    (
        "Des jeux d'eau place du Marché",
        14000,
        "centre-ville",
        "Enfance",
        "Des jets d'eau au sol pour les enfants l'été, coupés la nuit.",
    ),
    (
        "Un parcours santé à Bois-Joli",
        13000,
        "bois-joli",
        "Sport",
        "Huit agrès le long de l'allée du parc, avec des panneaux d'exercices.",
    ),
    (
        "Des nichoirs et un hôtel à insectes",
        2500,
        "bois-joli",
        "Espaces verts",
        "Fabriqués avec le centre social et posés dans le parc de Bois-Joli.",
    ),
]
NOT_ADMISSIBLE_2027 = (
    "Un parking à étages en centre-ville",
    450000,
    "centre-ville",
    "Mobilités",
    "Un parking de trois étages à la place du square Pasteur.",
    "Le coût estimé (450 000 €) dépasse l'enveloppe du budget citoyen, et le square est un "
    "espace vert protégé par le plan local d'urbanisme.",
)

PROJECTS_2026 = [
    (
        "Rénover le kiosque à musique",
        38000,
        "Culture",
        "Toiture, peinture et éclairage du kiosque du square Pasteur.",
    ),
    (
        "Planter 200 arbres fruitiers",
        24000,
        "Espaces verts",
        "Des vergers partagés dans les quatre quartiers, entretenus avec les écoles.",
    ),
    (
        "Une piste cyclable rue Jean-Jaurès",
        52000,
        "Mobilités",
        "Une piste séparée de la circulation entre la gare et le collège.",
    ),
    (
        "Des toilettes publiques au parc",
        30000,
        "Santé",
        "Des toilettes sèches accessibles à l'entrée du parc de Bois-Joli.",
    ),
    (
        "Un skatepark aux Prés",
        45000,
        "Sport",
        "Des modules en béton pour les jeunes, près du terrain de foot.",
    ),
    (
        "Des bornes de recharge pour vélos",
        9000,
        "Mobilités",
        "Trois bornes de recharge solaires pour vélos électriques.",
    ),
    (
        "Une grainothèque à la médiathèque",
        1500,
        "Culture",
        "Des graines à échanger gratuitement, avec des ateliers de jardinage.",
    ),
    (
        "Des défibrillateurs dans les salles de sport",
        6000,
        "Santé",
        "Quatre défibrillateurs et une formation aux premiers secours pour les clubs.",
    ),
]

# (title, cost, theme, status, updates as (days ago, progress, text))
PROJECTS_2025 = [
    (
        "Un city-stade au Bois-Joli",
        48000,
        "Sport",
        ProjectStatus.DONE,
        [
            (300, 10, "Étude de sol et choix de l'entreprise."),
            (200, 60, "Terrassement et pose du revêtement."),
            (
                120,
                100,
                "Le city-stade est ouvert depuis le 1er juillet ; inauguration avec le "
                "conseil municipal des jeunes.",
            ),
        ],
    ),
    (
        "Des potagers au pied des immeubles",
        17000,
        "Espaces verts",
        ProjectStatus.IN_PROGRESS,
        [
            (150, 20, "Trois résidences volontaires ; les bailleurs ont donné leur accord."),
            (40, 55, "Les bacs sont installés rue des Tilleuls ; les autres suivent en mars."),
        ],
    ),
    (
        "Des abris vélos sécurisés",
        26000,
        "Mobilités",
        ProjectStatus.IN_PROGRESS,
        [
            (60, 15, "Commande passée ; livraison prévue au printemps."),
        ],
    ),
    ("Une salle de répétition musicale", 60000, "Culture", ProjectStatus.NOT_SELECTED, []),
    (
        "Des tables de pique-nique",
        5000,
        "Espaces verts",
        ProjectStatus.DONE,
        [
            (200, 100, "Douze tables posées au parc et le long du canal."),
        ],
    ),
]


def today_at_nine():
    return timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)


def set_budget_rules(page, **fields):
    page.intro = INTRO
    page.currency = "EUR"
    page.minimum_age = 16
    page.residents_only = True
    for name, value in fields.items():
        setattr(page, name, value)


def set_envelopes(page, amounts, neighbourhoods):
    """Envelopes as (neighbourhood slug or None, amount), keeping existing rows (and their pks)."""
    existing = {e.neighbourhood.slug if e.neighbourhood else None: e for e in page.envelopes.all()}
    envelopes = []
    for order, (slug, amount) in enumerate(amounts):
        envelope = existing.get(slug) or BudgetEnvelope(
            neighbourhood=neighbourhoods[slug] if slug else None
        )
        envelope.amount = Decimal(amount)
        envelope.sort_order = order
        envelopes.append(envelope)
    page.envelopes = envelopes


def reset(page):
    page.results.all().delete()
    page.ballots.all().delete()
    page.projects.all().delete()


def envelope_of(page, slug):
    for envelope in page.envelope_list:
        if (envelope.neighbourhood.slug if envelope.neighbourhood else None) == slug:
            return envelope
    raise LookupError(slug)


def new_project(page, envelope, title, cost, theme, description, status, proposer=None, **extra):
    project = BudgetProject.objects.create(
        page=page,
        envelope=envelope,
        title=title,
        description=description,
        estimated_cost=Decimal(cost),
        status=status,
        proposer=proposer,
        **extra,
    )
    project.themes.set([theme])
    return project


def paper_ballots(page, envelope, projects, count, rng, max_choices, when, staff):
    """``count`` paper ballots with a popularity skew, as a polling station would collect."""
    weights = [len(projects) - i for i in range(len(projects))]
    for number in range(1, count + 1):
        size = rng.randint(1, max_choices)
        chosen = set()
        while len(chosen) < size:
            chosen.add(rng.choices(projects, weights)[0].pk)
        cast_ballot(
            page,
            envelope,
            sorted(chosen),
            channel=BallotChannel.PAPER,
            paper_reference=f"{envelope.pk}-{number:04d}",
            entered_by=staff,
            now=when,
        )


def load_budgets(pages, users, neighbourhoods):
    residents = demo_residents(users, neighbourhoods)
    rng = random.Random(2027)
    load_open_vote(pages["budget-citoyen-2027"], residents, neighbourhoods, rng)
    load_published_results(pages["budget-citoyen-2026"], residents, users["admin"], rng)
    load_implementation(pages["budget-citoyen-2025"], users["admin"], rng)


def load_open_vote(page, residents, neighbourhoods, rng):
    set_budget_rules(
        page,
        ballot_kind=BallotKind.APPROVAL,
        min_choices=1,
        max_choices=3,
        voting_scope=VotingScope.BOTH,
        results_rule=ResultsRule.GREEDY,
    )
    town_and_neighbourhoods = [(None, 40000)] + [(slug, 15000) for slug in neighbourhoods]
    set_envelopes(page, town_and_neighbourhoods, neighbourhoods)
    page.save_revision().publish()
    page = BudgetPage.objects.get(pk=page.pk)
    reset(page)
    authors = list(residents.values())
    projects = {}
    for number, (title, cost, slug, theme, description) in enumerate(PROJECTS_2027):
        project = new_project(
            page,
            envelope_of(page, slug),
            title,
            cost,
            theme,
            description,
            ProjectStatus.ON_BALLOT,
            authors[number % len(authors)],
        )
        projects.setdefault(slug, []).append(project)
    title, cost, slug, theme, description, reason = NOT_ADMISSIBLE_2027
    new_project(
        page,
        envelope_of(page, slug),
        title,
        cost,
        theme,
        description,
        ProjectStatus.NOT_ADMISSIBLE,
        authors[0],
        public_reason=reason,
    )
    # Some residents have voted already (Alice has not: she can try the ballot).
    when = timezone.now()
    town = envelope_of(page, None)
    for voter in [u for name, u in residents.items() if name not in ("admin", "alice", "bob")]:
        chosen = rng.sample(projects[None], rng.randint(1, 3))
        cast_ballot(page, town, [p.pk for p in chosen], user=voter, now=when)
    paper_ballots(page, town, projects[None], 25, rng, 3, when, None)


def load_published_results(page, residents, staff, rng):
    set_budget_rules(
        page,
        ballot_kind=BallotKind.APPROVAL,
        min_choices=1,
        max_choices=None,
        voting_scope=VotingScope.TOWN,
        results_rule=ResultsRule.EQUAL_SHARES,
    )
    set_envelopes(page, [(None, 100000)], {})
    page.save_revision().publish()
    page = BudgetPage.objects.get(pk=page.pk)
    reset(page)
    envelope = page.envelope_list[0]
    projects = [
        new_project(page, envelope, title, cost, theme, description, ProjectStatus.ON_BALLOT)
        for title, cost, theme, description in PROJECTS_2026
    ]
    vote = next(p for p in page.phases if p.kind == "vote")
    when = vote.starts_at + timedelta(days=3)
    for voter in [u for name, u in residents.items() if name not in ("admin", "bob")]:
        chosen = rng.sample(projects, rng.randint(1, 4))
        cast_ballot(page, envelope, [p.pk for p in chosen], user=voter, now=when)
    paper_ballots(page, envelope, projects, 140, rng, 4, when, staff)
    publish_results(page, user=staff)


def load_implementation(page, staff, rng):
    set_budget_rules(
        page,
        ballot_kind=BallotKind.KNAPSACK,
        min_choices=1,
        max_choices=None,
        min_spend_percent=0,
        voting_scope=VotingScope.TOWN,
        results_rule=ResultsRule.GREEDY,
    )
    set_envelopes(page, [(None, 100000)], {})
    page.save_revision().publish()
    page = BudgetPage.objects.get(pk=page.pk)
    reset(page)
    envelope = page.envelope_list[0]
    projects = [
        new_project(
            page,
            envelope,
            title,
            cost,
            theme,
            f"{title}, proposé par des habitants.",
            ProjectStatus.ON_BALLOT,
        )
        for title, cost, theme, _status, _updates in PROJECTS_2025
    ]
    vote = next(p for p in page.phases if p.kind == "vote")
    when = vote.starts_at + timedelta(days=2)
    plans = list(zip(projects, PROJECTS_2025, strict=True))
    funded = [p for p, spec in plans if spec[3] != ProjectStatus.NOT_SELECTED]
    for number in range(1, 91):
        chosen = [p for p in funded if rng.random() < 0.8] or funded[:1]
        if rng.random() < 0.3:
            chosen = [projects[3]]  # the rehearsal room: popular with a few, too dear for most
        cast_ballot(
            page,
            envelope,
            [p.pk for p in chosen],
            channel=BallotChannel.PAPER,
            paper_reference=f"2025-{number:03d}",
            entered_by=staff,
            now=when,
        )
    publish_results(page, user=staff)
    today = date.today()
    for project, (_title, _cost, _theme, status, updates) in plans:
        if status == ProjectStatus.NOT_SELECTED:
            continue
        project.refresh_from_db()
        project.status = status
        project.save()
        for days_ago, progress, text in updates:
            ImplementationUpdate.objects.create(
                project=project, date=today - timedelta(days=days_ago), progress=progress, text=text
            )
