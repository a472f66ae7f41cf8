"""Demo content of Villebrune's committee calendars.

- a town-wide calendar: a café-débat, an online session and a past public meeting with minutes;
- the committee of Les Prés: monthly meetings (one occurrence cancelled, one moved) and a
  walk with registrations, full, with a waiting list;
- the committee of La Gare: monthly meetings and the elected official's drop-in hours every
  other week (one date left out for the school holidays).

Dates are relative to today. Registrations go through the package's own ``register``, so the
demo obeys the same rules as real registrations; they are made anew at each run.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone
from wagtail.models import Page

from wagtail_participation.meetings import recurrence
from wagtail_participation.meetings.models import (
    Attendance,
    CommitteeCalendarPage,
    Frequency,
    MeetingKind,
    MeetingPage,
    OccurrenceChange,
    OccurrenceStatus,
    RegistrationMode,
)
from wagtail_participation.meetings.registrations import register

from .demo_consultation import demo_residents

CONTACT = {
    "contact_name": "Service démocratie participative",
    "contact_email": "participation@villebrune.example",
    "contact_phone": "03 21 00 00 00",
}

CALENDARS = [
    {
        "slug": "agenda",
        "title": "Agenda de la participation",
        "committee_name": "",
        "neighbourhoods": [],
        "description": "<p>Réunions publiques, cafés-débats et séances en ligne ouvertes à "
        "tous les habitants de Villebrune.</p>",
    },
    {
        "slug": "comite-les-pres",
        "title": "Comité de quartier des Prés",
        "committee_name": "Comité de quartier des Prés",
        "neighbourhoods": ["les-pres"],
        "description": "<p>Le comité se réunit chaque mois à la maison de quartier. Ses "
        "réunions sont ouvertes à tous les habitants du quartier.</p>",
    },
    {
        "slug": "comite-la-gare",
        "title": "Comité de quartier de la Gare",
        "committee_name": "Comité de quartier de la Gare",
        "neighbourhoods": ["la-gare"],
        "description": "<p>Le comité de la Gare se réunit le deuxième jeudi du mois. L'élue "
        "du quartier tient aussi une permanence.</p>",
    },
]

MAISON_PRES = "Maison de quartier des Prés, 4 rue du Canal, 62000 Villebrune"
SALLE_GARE = "Salle Jean Moulin, 12 avenue de la Gare, 62000 Villebrune"
ACCESS = "Accès de plain-pied, boucle magnétique. Garde d'enfants sur demande."


def at(day, hour, minute=0):
    """An aware datetime ``day`` days from today, at ``hour`` in the site's time zone."""
    local_day = timezone.localdate() + timedelta(days=day)
    return datetime.combine(local_day, time(hour, minute), tzinfo=recurrence.site_zone())


def calendar_page(index, spec, neighbourhoods):
    existing = Page.objects.child_of(index).filter(slug=spec["slug"]).first()
    if existing is not None and not isinstance(existing.specific, CommitteeCalendarPage):
        existing.delete()
        existing = None
    page = existing.specific if existing is not None else CommitteeCalendarPage(slug=spec["slug"])
    page.title = spec["title"]
    page.committee_name = spec["committee_name"]
    page.description = spec["description"]
    for name, value in CONTACT.items():
        setattr(page, name, value)
    page.neighbourhoods = [neighbourhoods[slug] for slug in spec["neighbourhoods"]]
    if existing is None:
        index.add_child(instance=page)
    page.save_revision().publish()
    return page


def meeting_page(calendar, slug, changes=(), **fields):
    existing = Page.objects.child_of(calendar).filter(slug=slug).first()
    page = existing.specific if existing is not None else MeetingPage(slug=slug)
    defaults = {
        "kind": MeetingKind.COMMITTEE,
        "attendance": Attendance.IN_PERSON,
        "address": "",
        "access_notes": "",
        "accessibility_notes": ACCESS,
        "online_url": "",
        "agenda": "",
        "cancelled": False,
        "cancellation_note": "",
        "frequency": Frequency.NONE,
        "interval": 1,
        "repeat_until": None,
        "registration": RegistrationMode.NONE,
        "capacity": None,
        "external_registration_url": "",
        "minutes": "",
        "attendee_count": None,
        "contributions_summary": "",
    }
    for name, value in {**defaults, **fields}.items():
        setattr(page, name, value)
    page.occurrence_changes = [
        OccurrenceChange(date=date, status=status, note=note) for date, status, note in changes
    ]
    page.clean()  # the rules editors meet in the admin
    if existing is None:
        calendar.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def next_dates(meeting, count):
    """The original dates of the meeting's next ``count`` occurrences, changes aside."""
    meeting.occurrence_changes = []
    found = recurrence.occurrences(meeting, start=timezone.now(), limit=count)
    return [occurrence.original_date for occurrence in found]


def load_meetings(index, users, neighbourhoods):
    """(Re)create the calendars, their meetings and registrations; return the calendars."""
    calendars = {spec["slug"]: calendar_page(index, spec, neighbourhoods) for spec in CALENDARS}
    town = calendars["agenda"]
    pres = calendars["comite-les-pres"]
    gare = calendars["comite-la-gare"]
    until = timezone.localdate() + timedelta(days=300)

    # Les Prés: every month on the same weekday (first started eight weeks ago); the next
    # occurrence but one is cancelled and the one after is held elsewhere.
    start = at(-56, 19)
    pres_monthly = {
        "title": "Réunion mensuelle du comité des Prés",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "address": MAISON_PRES,
        "frequency": Frequency.MONTHLY_WEEKDAY,
        "repeat_until": until,
        "agenda": "<p>Point sur les travaux du canal, propositions des habitants, questions "
        "diverses.</p>",
    }
    _first, cancelled, moved = next_dates(MeetingPage(**pres_monthly), 3)
    meeting_page(
        pres,
        "reunion-mensuelle",
        changes=[
            (cancelled, OccurrenceStatus.CANCELLED, "La salle accueille un bureau de vote."),
            (
                moved,
                OccurrenceStatus.HELD,
                "Exceptionnellement à la médiathèque, 1 place Victor Hugo.",
            ),
        ],
        **pres_monthly,
    )

    # Les Prés: a walk with 3 places, full, and a waiting list.
    start = at(12, 10)
    walk = meeting_page(
        pres,
        "balade-canal",
        title="Balade exploratoire le long du canal",
        kind=MeetingKind.WALK,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        address="Départ devant l'écluse, chemin de halage, 62000 Villebrune",
        access_notes="Prévoir de bonnes chaussures ; la balade fait environ 3 km.",
        accessibility_notes="Chemin plat mais non goudronné sur 500 m.",
        agenda="<p>Repérer ensemble les points noirs du chemin de halage : éclairage, "
        "bancs, accès pour les vélos.</p>",
        registration=RegistrationMode.ON_SITE,
        capacity=3,
    )

    # La Gare: every month on the same day of the month, and the drop-in every other week.
    start = at(-40, 18, 30)
    meeting_page(
        gare,
        "reunion-mensuelle",
        title="Réunion du comité de la Gare",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        address=SALLE_GARE,
        frequency=Frequency.MONTHLY_DAY,
        repeat_until=until,
        agenda="<p>Éclairage nocturne : bilan de la consultation ; aménagement du parvis.</p>",
    )
    start = at(3, 9)
    drop_in = {
        "starts_at": start,
        "frequency": Frequency.WEEKLY,
        "interval": 2,
        "repeat_until": until,
    }
    # The third one falls in the school holidays: left out of the calendar.
    holidays = next_dates(MeetingPage(ends_at=start + timedelta(hours=3), **drop_in), 3)[2]
    meeting_page(
        gare,
        "permanence-elue",
        changes=[(holidays, OccurrenceStatus.EXCLUDED, "")],
        title="Permanence de l'élue de quartier",
        kind=MeetingKind.DROP_IN,
        ends_at=start + timedelta(hours=3),
        address=SALLE_GARE,
        agenda="<p>Sans rendez-vous : venez poser vos questions à Mme Durand, adjointe "
        "de quartier.</p>",
        **drop_in,
    )

    # Town-wide: a café-débat, an online session and a past meeting with its minutes.
    start = at(9, 18)
    meeting_page(
        town,
        "cafe-debat-place-du-marche",
        title="Café-débat : quelle place du Marché en 2027 ?",
        kind=MeetingKind.CAFE_DEBAT,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        address="Café Le Balto, 2 place du Marché, 62000 Villebrune",
        agenda="<p>Un moment convivial pour échanger sur le réaménagement de la place, "
        "autour d'un café offert.</p>",
        related_page=Page.objects.filter(slug="place-du-marche").first(),
    )
    start = at(16, 20)
    meeting_page(
        town,
        "budget-citoyen-en-ligne",
        title="Budget citoyen : séance de questions en ligne",
        kind=MeetingKind.ONLINE_SESSION,
        attendance=Attendance.ONLINE,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        online_url="https://visio.villebrune.example/budget-citoyen",
        accessibility_notes="Sous-titrage en direct.",
        agenda="<p>Les services répondent en direct à vos questions sur les projets soumis "
        "au vote.</p>",
        related_page=Page.objects.filter(slug="budget-citoyen-2027").first(),
    )
    start = at(-21, 19)
    meeting_page(
        town,
        "reunion-publique-eclairage",
        title="Réunion publique : l'éclairage de nuit",
        kind=MeetingKind.PUBLIC_MEETING,
        attendance=Attendance.HYBRID,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        address="Salle des fêtes, place de la Mairie, 62000 Villebrune",
        online_url="https://visio.villebrune.example/eclairage",
        agenda="<p>Présentation de l'expérimentation d'extinction nocturne et échanges.</p>",
        minutes="<p>Le maire a présenté le bilan de six mois d'extinction entre 1 h et 5 h. "
        "Les habitants ont demandé que les abords de la gare restent éclairés.</p>"
        "<p>Décision : la rue de la Gare et le parvis resteront éclairés toute la nuit.</p>",
        attendee_count=64,
        contributions_summary="<p>23 remarques recueillies, transmises aux services "
        "techniques ; 9 portaient sur la sécurité des piétons.</p>",
        related_page=Page.objects.filter(slug="eclairage-gare").first(),
    )
    start = at(5, 18)
    meeting_page(
        town,
        "atelier-annule",
        title="Atelier : fresque du parc de Bois-Joli",
        kind=MeetingKind.WORKSHOP,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        address="Parc de Bois-Joli, entrée rue des Tilleuls, 62000 Villebrune",
        cancelled=True,
        cancellation_note="Reporté au printemps à cause de la météo.",
    )

    registrations(walk, users, neighbourhoods)
    return calendars


def registrations(walk, users, neighbourhoods):
    """Fill the walk's 3 places, then put one more resident on its waiting list."""
    residents = demo_residents(users, neighbourhoods)
    walk.registrations.all().delete()
    # Admin has no profile and Bob has not accepted the terms: they cannot register.
    names = ["alice", "claire", "karim", "josiane"]
    now = timezone.now()
    for offset, name in enumerate(names):
        register(walk, walk.starts_at, residents[name], now=now + timedelta(seconds=offset))
