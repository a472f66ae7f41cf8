"""Load the demo content of Villebrune, a fictional town. Safe to run again: it updates in place."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from home.demo_budget import load_budgets
from home.demo_consultation import demo_residents, load_consultation
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
from wagtail_participation.petitions import signing
from wagtail_participation.petitions.models import (
    ConsultativeVotePage,
    Petition,
    PetitionIndexPage,
    Review,
    VoteBallot,
    VoteOption,
    VoteParticipation,
)
from wagtail_participation.petitions.votes import cast_vote
from wagtail_participation.profiles import ParticipantProfile
from wagtail_participation.status import PhaseKind

DEMO_PASSWORD = "demo1234"
DEMO_CODES_LABEL = "Démo : école Jean Jaurès, CM2"
VOTE_CODES_LABEL = "Démo : cartes de vote, police municipale"

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
    {
        "slug": "droit-d-interpellation",
        "model": PetitionIndexPage,
        "title": "Droit d'interpellation",
        "summary": "Déposez une pétition : si elle recueille 300 signatures d'habitants majeurs "
        "en un an, le conseil municipal l'inscrit à son ordre du jour et vous répond.",
        "impact": "<p>Une pétition qui atteint le seuil est inscrite à l'ordre du jour du "
        "prochain conseil municipal, dans les trois mois. Le conseil en débat et publie ici sa "
        "réponse motivée ; il reste libre de sa décision.</p>",
        "neighbourhoods": [],
        "themes": ["Démocratie locale"],
        "minimum_age": 18,
        "fields": {
            "intro": "Chaque habitant de Villebrune âgé d'au moins 18 ans peut déposer une "
            "pétition et signer celles des autres, en ligne ou sur papier en mairie. Les "
            "pétitions sont relues avant leur ouverture : elles doivent relever des "
            "compétences de la commune.",
            "signature_threshold": 300,
            "signature_period_days": 365,
            "residents_only": True,
            "residents_may_file": True,
            "review_before_opening": True,
        },
        "phases": [(PhaseKind.CONTRIBUTION, "Dépôt des pétitions", -400, None)],
    },
    {
        "slug": "police-municipale",
        "model": ConsultativeVotePage,
        "title": "Police municipale : pour ou contre ?",
        "summary": "Les habitants ont été consultés sur la création d'une police municipale. "
        "Le vote est clos : voici les résultats.",
        "impact": "<p>Ce vote est consultatif : le conseil municipal prend connaissance du "
        "résultat avant de décider.</p>",
        "neighbourhoods": [],
        "themes": ["Sécurité"],
        "minimum_age": 18,
        "participation_codes": CodeUse.ACCOUNT_OR_CODE,
        "fields": {
            "question": "Êtes-vous favorable à la création d'une police municipale à Villebrune ?",
            "intro": "La ville envisage de créer une police municipale de six agents, chargée "
            "de la tranquillité publique, du stationnement et des abords des écoles. Les "
            "habitants de 18 ans et plus votent en ligne, avec leur compte ou le code de leur "
            "carte de vote.",
            "next_steps": "Le conseil municipal débattra du résultat lors de sa prochaine "
            "séance et décidera de la création du service. S'il la décide, une seconde "
            "consultation portera sur l'armement des agents.",
            "registered_voters": 100,
            "residents_only": True,
        },
        "options": [
            ("Pour", "Créer une police municipale de six agents."),
            ("Contre", "Ne pas créer de police municipale."),
        ],
        "phases": [
            (PhaseKind.INFORMATION, "Réunions publiques", -60, -30),
            (PhaseKind.VOTE, "Vote", -30, -16),
            (PhaseKind.RESULTS, "Résultats", -16, None),
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
        residents = demo_residents(users, neighbourhoods)
        self.petitions(pages["droit-d-interpellation"], residents, neighbourhoods)
        self.consultative_vote(pages["police-municipale"], residents)
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
        for name, value in spec.get("fields", {}).items():
            setattr(page, name, value)
        if "options" in spec:
            page.vote_options = vote_options(page, spec["options"])
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

    def petitions(self, page, residents, neighbourhoods):
        """Petitions at each stage: open, answered by the council, and waiting for review.

        Signatures go through the package's own ``signing`` functions (online for the demo
        residents, on paper for the others), so counts and thresholds obey the real rules."""
        page = PetitionIndexPage.objects.get(pk=page.pk)
        page.petitions.all().delete()  # made anew at each run, so the demo stays the same
        today = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
        staff = residents["admin"]

        answered = self.new_petition(
            page,
            "Sécuriser la traversée devant l'école Jean Jaurès",
            "Chaque matin, plus de deux cents enfants traversent la rue Jean Jaurès, où les "
            "voitures roulent vite. Nous demandons un plateau surélevé, un passage piéton "
            "éclairé et la présence d'un agent aux heures d'entrée et de sortie.",
            filer_name="Collectif des parents d'élèves de Jean Jaurès",
            neighbourhood=neighbourhoods["centre-ville"],
            themes=["Sécurité", "Enfance"],
            opened_at=today - days(240),
        )
        for number, name in enumerate(("claire", "karim", "josiane")):
            signing.sign(
                answered,
                user=residents[name],
                full_name=FULL_NAMES[name],
                show_name=name == "claire",
                now=answered.opened_at + days(2 + number),
            )
        paper_signatures(answered, 300, answered.opened_at + days(10), 80, staff)
        answered.refresh_from_db()
        reached = timezone.localtime(answered.threshold_reached_at)
        answered.council_date = (reached + days(40)).date()
        answered.answer = (
            "Le conseil municipal a débattu de la pétition le "
            f"{answered.council_date.strftime('%d/%m/%Y')}. Il a voté la création d'un plateau "
            "surélevé et d'un passage piéton éclairé devant l'école, réalisés pendant les "
            "vacances d'été. Un agent sera présent aux heures d'entrée et de sortie dès la "
            "rentrée. La ville remercie les signataires et le collectif des parents."
        )
        answered.answered_at = reached + days(41)
        answered.save(update_fields=["council_date", "answer", "answered_at"])

        open_petition = self.new_petition(
            page,
            "Rouvrir le bureau de poste du quartier de la Gare",
            "Depuis la fermeture du bureau de poste de la rue de la Gare, les habitants doivent "
            "traverser la ville pour retirer un colis ou un recommandé. Nous demandons que la "
            "ville négocie avec La Poste une agence postale communale dans la maison de quartier.",
            filer=residents["karim"],
            filer_name=residents["karim"].participant_profile.display_name,
            neighbourhood=neighbourhoods["la-gare"],
            themes=["Services publics"],
            opened_at=today - days(40),
        )
        for number, name in enumerate(("karim", "claire", "josiane")):
            signing.sign(
                open_petition,
                user=residents[name],
                full_name=FULL_NAMES[name],
                show_name=name != "josiane",
                now=open_petition.opened_at + days(1 + number),
            )
        paper_signatures(open_petition, 45, open_petition.opened_at + days(5), 30, staff)

        # Filed by Alice a few days ago: hidden from the public until it is reviewed.
        self.new_petition(
            page,
            "Un marché de producteurs le mercredi soir",
            "Beaucoup d'habitants travaillent pendant le marché du samedi matin. Un petit "
            "marché de producteurs locaux le mercredi de 16 h à 20 h, place du Marché, "
            "permettrait à tous d'acheter frais et local.",
            filer=residents["alice"],
            filer_name=residents["alice"].participant_profile.display_name,
            neighbourhood=neighbourhoods["centre-ville"],
            themes=["Commerce"],
            created_at=today - days(3),
        )
        # Not admissible, with the reason sent to its filer: it is never public.
        self.new_petition(
            page,
            "Supprimer la taxe foncière",
            "Nous demandons la suppression de la taxe foncière à Villebrune.",
            filer=residents["josiane"],
            filer_name=residents["josiane"].participant_profile.display_name,
            themes=["Fiscalité"],
            created_at=today - days(70),
            review=Review.NOT_ADMISSIBLE,
            review_reason="La taxe foncière est fixée par la loi ; la commune n'en vote que le "
            "taux. Une pétition sur le taux communal serait recevable.",
            reviewed_at=today - days(65),
        )
        open_petition.refresh_from_db()
        self.stdout.write(
            f"Petitions: “{open_petition.title}” is open ({open_petition.signature_count} "
            f"signatures), “{answered.title}” was answered by the council."
        )

    def new_petition(self, page, title, text, *, themes, opened_at=None, **fields):
        petition = Petition(page=page, title=title, text=text, **fields)
        if opened_at is not None:
            petition.created_at = opened_at - days(6)
            petition.reviewed_at = opened_at
            petition.review_reason = "Recevable : la demande relève des compétences de la ville."
            petition.open_now(now=opened_at)
        petition.save()
        petition.themes.set(themes)
        return petition

    def consultative_vote(self, page, residents):
        """A closed vote with its results: the demo residents voted with their account, the
        others with the code of their voting card, all during the (past) vote phase."""
        page = ConsultativeVotePage.objects.get(pk=page.pk)
        VoteBallot.objects.filter(page=page).delete()
        VoteParticipation.objects.filter(page=page).delete()
        CodeBatch.objects.filter(label=VOTE_CODES_LABEL).delete()
        options = {option.label: option.pk for option in page.vote_options.all()}
        vote = next(phase for phase in page.phases if phase.kind == PhaseKind.VOTE)
        when = vote.starts_at + days(1)
        for name, choice in (("alice", "Pour"), ("claire", "Contre"), ("karim", "Pour")):
            cast_vote(page, options[choice], user=residents[name], now=when)
        _batch, codes = CodeBatch.generate(VOTE_CODES_LABEL, 57, expires_at=vote.ends_at, page=page)
        for number, code in enumerate(codes):
            choice = "Pour" if number % 7 in (0, 2, 3, 5) else "Contre"
            cast_vote(page, options[choice], code_text=code, now=when + timedelta(hours=number))
        results = page.results()
        self.stdout.write(
            f"Consultative vote “{page.title}”: {results.votes} votes, "
            + ", ".join(f"{option.label} {option.percent} %" for option in results.options)
        )


FULL_NAMES = {
    "alice": "Alice Dubois",
    "claire": "Claire Lefebvre",
    "karim": "Karim Benali",
    "josiane": "Josiane Caron",
}
FIRST_NAMES = (
    "Jeanne Louis Camille Hugo Léa Nathan Chloé Lucas Manon Théo Inès Gabriel Sarah Mohamed "
    "Emma Jules Lina Paul Zoé Yanis"
).split()
LAST_NAMES = (
    "Martin Bernard Petit Durand Leroy Moreau Simon Laurent Michel Garcia David Bertrand Roux "
    "Vincent Fournier Morel Girard André Mercier Dupont"
).split()


def paper_signatures(petition, count, first_day, span_days, staff):
    """``count`` signatures collected on paper sheets of 20, entered by staff day by day."""
    for number in range(count):
        first = FIRST_NAMES[number % len(FIRST_NAMES)]
        last = LAST_NAMES[(number // len(FIRST_NAMES)) % len(LAST_NAMES)]
        signed_at = first_day + days(span_days * number // count) + timedelta(hours=8)
        signing.add_paper_signature(
            petition,
            full_name=f"{first} {last}",
            birth_year=1940 + (number * 37) % 66,
            signed_on=timezone.localdate(signed_at),
            entered_by=staff,
            paper_reference=f"Feuille {number // 20 + 1}",
            now=signed_at,
        )


def vote_options(page, options):
    """The options as (label, description), keeping the existing rows (and their votes)."""
    existing = {option.label: option for option in page.vote_options.all()} if page.pk else {}
    result = []
    for order, (label, description) in enumerate(options):
        option = existing.get(label) or VoteOption(label=label)
        option.description = description
        option.sort_order = order
        result.append(option)
    return result
