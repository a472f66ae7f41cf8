"""Load the demo content of Villebrune, a fictional town. Safe to run again: it updates in place."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from home.demo_budget import load_budgets
from home.demo_consultation import load_consultation
from home.demo_meetings import load_meetings
from home.demo_restitution import load_restitutions
from home.models import HomePage
from wagtail_participation.budgets.models import BudgetPage
from wagtail_participation.codes import CodeBatch
from wagtail_participation.consultations.models import ConsultationPage
from wagtail_participation.models import (
    CodeUse,
    InformationProcessPage,
    Neighbourhood,
    ParticipationIndexPage,
    ProcessPhase,
)
from wagtail_participation.profiles import ParticipantProfile
from wagtail_participation.status import PhaseKind

DEMO_PASSWORD = "demo1234"
DEMO_CODES_LABEL = "Démo : école Jean Jaurès, CM2"

NEIGHBOURHOODS = [
    ("Centre-ville", "centre-ville", "Le cœur historique, autour de la mairie.", 50.4231, 2.7781),
    ("Les Prés", "les-pres", "Quartier résidentiel au nord, le long du canal.", 50.4312, 2.7744),
    ("La Gare", "la-gare", "Autour de la gare et de la zone d'activités.", 50.4189, 2.7869),
    ("Bois-Joli", "bois-joli", "Cité-jardin au sud, près du parc.", 50.4140, 2.7702),
]


def days(n):
    return timedelta(days=n)


# Each process: slug, title, summary, impact, neighbourhood slugs, themes, phases as
# (kind, title, start offset in days, end offset in days or None), relative to today.
PROCESSES = [
    {
        "slug": "place-du-marche",
        "model": ConsultationPage,
        "title": "Réaménager la place du Marché",
        "summary": "La place du Marché sera réaménagée en 2027 : donnez votre avis sur les "
        "usages, les arbres et le stationnement.",
        "impact": "<p>Vos contributions orienteront le cahier des charges remis aux architectes. "
        "Le budget (1,2 M€) et la date des travaux sont déjà fixés.</p>",
        "neighbourhoods": ["centre-ville"],
        "themes": ["Urbanisme", "Espaces verts"],
        "phases": [
            (PhaseKind.INFORMATION, "Réunion de lancement", -30, -14),
            (PhaseKind.CONTRIBUTION, "Recueil des idées", -14, 21),
            (PhaseKind.DELIBERATION, "Ateliers avec les habitants", 21, 45),
            (PhaseKind.RESULTS, "Restitution", 60, None),
        ],
    },
    {
        "slug": "plan-velo",
        "title": "Plan vélo 2027-2030",
        "summary": "Où manque-t-il des pistes cyclables et des arceaux ? La concertation "
        "s'ouvre bientôt dans tous les quartiers.",
        "impact": "<p>Les itinéraires proposés seront étudiés par les services techniques ; "
        "les plus demandés entreront dans le plan voté en conseil municipal.</p>",
        "neighbourhoods": [],
        "themes": ["Mobilités"],
        "participation_codes": CodeUse.ACCOUNT_OR_CODE,
        "minimum_age": 11,
        "phases": [
            (PhaseKind.INFORMATION, "Présentation du diagnostic", 10, 24),
            (PhaseKind.CONTRIBUTION, "", 24, 70),
        ],
    },
    {
        "slug": "parc-bois-joli",
        "title": "Aires de jeux du parc de Bois-Joli",
        "summary": "Les habitants ont choisi les nouveaux jeux du parc : voici ce qui a été "
        "entendu et décidé.",
        "impact": "<p>Les deux jeux les plus soutenus seront installés ; le choix des matériaux "
        "reste à la ville.</p>",
        "neighbourhoods": ["bois-joli"],
        "themes": ["Espaces verts", "Enfance"],
        "phases": [
            (PhaseKind.CONTRIBUTION, "Propositions", -120, -90),
            (PhaseKind.VOTE, "Vote", -80, -60),
            (PhaseKind.RESULTS, "Résultats", -30, None),
        ],
    },
    {
        "slug": "eclairage-gare",
        "title": "Éclairage public du quartier de la Gare",
        "summary": "Consultation sur l'extinction nocturne de l'éclairage. Elle est close ; "
        "le bilan sera publié prochainement.",
        "impact": "<p>L'avis des habitants décidera des rues éclairées toute la nuit.</p>",
        "neighbourhoods": ["la-gare"],
        "themes": ["Sécurité", "Énergie"],
        "phases": [
            (PhaseKind.INFORMATION, "Information", -75, -60),
            (PhaseKind.CONTRIBUTION, "Avis des habitants", -60, -20),
        ],
    },
    {
        "slug": "budget-citoyen-2027",
        "model": BudgetPage,
        "title": "Budget citoyen 2027",
        "summary": "100 000 € pour vos projets : le vote est ouvert, en ligne et sur papier en "
        "mairie.",
        "impact": "<p>Les projets qui recueillent le plus de voix sont réalisés, tant que "
        "l'enveloppe le permet. La ville s'engage à les réaliser dans les deux ans.</p>",
        "neighbourhoods": [],
        "themes": ["Budget citoyen"],
        "phases": [
            (PhaseKind.CONTRIBUTION, "Dépôt des projets", -90, -50),
            (PhaseKind.DELIBERATION, "Étude de faisabilité", -50, -10),
            (PhaseKind.VOTE, "Vote", -7, 21),
            (PhaseKind.RESULTS, "Résultats", 28, None),
        ],
    },
    {
        "slug": "budget-citoyen-2026",
        "model": BudgetPage,
        "title": "Budget citoyen 2026",
        "summary": "Les résultats sont publiés : voici les projets retenus et le détail du "
        "calcul, vérifiable par chacun.",
        "impact": "<p>Les projets retenus par la méthode des parts égales sont réalisés en "
        "2026.</p>",
        "neighbourhoods": [],
        "themes": ["Budget citoyen"],
        "phases": [
            (PhaseKind.CONTRIBUTION, "Dépôt des projets", -300, -250),
            (PhaseKind.DELIBERATION, "Étude de faisabilité", -250, -200),
            (PhaseKind.VOTE, "Vote", -120, -90),
            (PhaseKind.RESULTS, "Résultats", -85, None),
        ],
    },
    {
        "slug": "budget-citoyen-2025",
        "model": BudgetPage,
        "title": "Budget citoyen 2025",
        "summary": "Les projets votés en 2025 se réalisent : suivez l'avancement des travaux.",
        "impact": "<p>Les projets retenus sont réalisés par les services de la ville, qui "
        "publient ici l'avancement de chaque chantier.</p>",
        "neighbourhoods": [],
        "themes": ["Budget citoyen"],
        "phases": [
            (PhaseKind.CONTRIBUTION, "Dépôt des projets", -700, -650),
            (PhaseKind.VOTE, "Vote", -500, -480),
            (PhaseKind.RESULTS, "Résultats", -470, -400),
            (PhaseKind.IMPLEMENTATION, "Réalisation", -400, None),
        ],
    },
]


class Command(BaseCommand):
    help = "Load (or refresh) the Villebrune demo content and the demo accounts."

    @transaction.atomic
    def handle(self, *args, **options):
        home = self.home_page()
        neighbourhoods = self.neighbourhoods()
        index = self.index_page(home)
        pages = {spec["slug"]: self.process_page(index, spec, neighbourhoods) for spec in PROCESSES}
        users = self.users(neighbourhoods)
        self.codes(pages["plan-velo"])
        draw = load_consultation(pages["place-du-marche"], users, neighbourhoods)
        load_budgets(pages, users, neighbourhoods)
        load_meetings(index, users, neighbourhoods)
        load_restitutions(index, pages)
        if draw is not None:
            self.stdout.write(
                f"Draw by lot “{draw.title}”: seed {draw.seed} "
                f"(SHA-256 {draw.seed_hash}), {len(draw.result)} contributions drawn."
            )

    def home_page(self):
        root = Page.get_first_root_node()
        home = HomePage.objects.first()
        if home is None:
            home = root.add_child(
                instance=HomePage(
                    title="Villebrune",
                    slug="villebrune",
                    intro="<p>Bienvenue sur le site de la ville de Villebrune.</p>",
                )
            )
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site(hostname="localhost", port=80, is_default_site=True)
        site.root_page = home
        site.site_name = "Villebrune"
        site.save()
        # The placeholder page of a new Wagtail install is no longer reachable: remove it.
        Page.objects.filter(depth=2, content_type__model="page", slug="home").delete()
        return home

    def neighbourhoods(self):
        result = {}
        for name, slug, description, latitude, longitude in NEIGHBOURHOODS:
            neighbourhood, _ = Neighbourhood.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "description": description,
                    "latitude": latitude,
                    "longitude": longitude,
                },
            )
            result[slug] = neighbourhood
        return result

    def index_page(self, home):
        index = ParticipationIndexPage.objects.child_of(home).filter(slug="participer").first()
        if index is None:
            index = home.add_child(
                instance=ParticipationIndexPage(
                    title="Participer",
                    slug="participer",
                    intro="<p>Toutes les démarches de participation de Villebrune : "
                    "concertations, budget citoyen, comités de quartier et bilans.</p>",
                )
            )
        return index

    def process_page(self, index, spec, neighbourhoods):
        model = spec.get("model", InformationProcessPage)
        existing = Page.objects.child_of(index).filter(slug=spec["slug"]).first()
        if existing is not None and not isinstance(existing.specific, model):
            existing.delete()  # an older demo had another page type here
            existing = None
        page = existing.specific if existing is not None else model(slug=spec["slug"])
        is_new = existing is None
        page.title = spec["title"]
        page.summary = spec["summary"]
        page.impact_statement = spec["impact"]
        page.contact_name = "Service démocratie participative"
        page.contact_email = "participation@villebrune.example"
        page.contact_phone = "03 21 00 00 00"
        page.participation_codes = spec.get("participation_codes", CodeUse.ACCOUNTS_ONLY)
        page.minimum_age = spec.get("minimum_age")
        today = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
        page.participation_phases = [
            ProcessPhase(
                kind=kind,
                title=title,
                starts_at=today + days(start),
                ends_at=None if end is None else today + days(end),
            )
            for kind, title, start, end in spec["phases"]
        ]
        page.neighbourhoods = [neighbourhoods[slug] for slug in spec["neighbourhoods"]]
        page.themes.set(spec["themes"])
        if is_new:
            index.add_child(instance=page)
        revision = page.save_revision()
        revision.publish()
        return page

    def users(self, neighbourhoods):
        User = get_user_model()
        accounts = [("admin", True), ("alice", False), ("bob", False)]
        users = {}
        for username, is_admin in accounts:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@villebrune.example"}
            )
            user.is_staff = user.is_superuser = is_admin
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            users[username] = user
        # Alice has a complete profile; Bob has not accepted the participation terms yet, so
        # the site asks him to complete his profile before he takes part.
        ParticipantProfile.objects.update_or_create(
            user=users["alice"],
            defaults={
                "display_name": "Alice du Centre",
                "neighbourhood": neighbourhoods["centre-ville"],
                "lives_in_town": True,
                "birth_year": 1987,
                "terms_accepted_at": timezone.now(),
            },
        )
        ParticipantProfile.objects.update_or_create(
            user=users["bob"],
            defaults={"display_name": "Bob", "lives_in_town": True, "terms_accepted_at": None},
        )
        self.stdout.write(self.style.SUCCESS("Demo content loaded for Villebrune."))
        self.stdout.write(f"Accounts (password for all: {DEMO_PASSWORD}):")
        self.stdout.write("  admin  superuser, for the admin at /admin/")
        self.stdout.write("  alice  resident with a complete profile (Centre-ville, born 1987)")
        self.stdout.write("  bob    resident who has not accepted the participation terms yet")
        return users

    def codes(self, page):
        # Plain codes are never stored: the demo batch is made anew at each run to print them.
        CodeBatch.objects.filter(label=DEMO_CODES_LABEL).delete()
        batch, codes = CodeBatch.generate(
            DEMO_CODES_LABEL, 5, expires_at=timezone.now() + days(365), page=page
        )
        self.stdout.write(
            f"Participation codes for “{page.title}” (valid one year, one use each, "
            "no account needed):"
        )
        for code in codes:
            self.stdout.write(f"  {code}")
