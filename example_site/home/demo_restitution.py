"""Demo restitution pages: the market square consultation and the 2025 citizens' budget.

Both use every kind of block. They are published without e-mailing the demo residents (the
demo would otherwise print one e-mail per resident at each run).
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Page

from wagtail_participation.restitution.models import RestitutionPage, RestitutionSource


def section(heading, anchor):
    return ("section", {"heading": heading, "anchor": anchor})


def report_document():
    document_model = get_document_model()
    document = document_model.objects.filter(title="Synthèse de la concertation").first()
    if document is None:
        document = document_model(title="Synthèse de la concertation")
        document.file.save(
            "synthese-concertation.txt",
            ContentFile(
                "Synthèse de la concertation sur la place du Marché (démonstration).\n".encode()
            ),
            save=False,
        )
        document.save()
    return document


def restitution_page(index, slug, title, intro, sources, body):
    existing = Page.objects.child_of(index).filter(slug=slug).first()
    page = existing.specific if existing is not None else RestitutionPage(slug=slug)
    page.title = title
    page.intro = intro
    page.notify_participants = False
    page.body = body
    page.sources = [RestitutionSource(page=source) for source in sources if source is not None]
    if existing is None:
        index.add_child(instance=page)
    page.save_revision().publish()
    return page


def load_restitutions(index, pages):
    today = timezone.localdate()
    document = report_document()
    calendar = Page.objects.filter(slug="agenda").first()
    square = restitution_page(
        index,
        "bilan-place-du-marche",
        "Bilan de la concertation sur la place du Marché",
        "Vous avez été nombreux à proposer, soutenir et commenter des idées pour la place du "
        "Marché. Voici ce que nous avons entendu, ce que la ville a décidé et pourquoi, et la "
        "suite du projet.",
        [pages["place-du-marche"], calendar],
        [
            section("Le contexte et la question posée", "contexte"),
            (
                "text",
                "<p>La place du Marché doit être réaménagée en 2027. La ville a demandé aux "
                "habitants : <b>quelle place voulez-vous ?</b></p>",
            ),
            section("Comment vous avez participé", "participation"),
            ("figures", {"heading": "", "figures": [], "by_neighbourhood": True}),
            (
                "chart",
                {
                    "title": "Contributions par quartier",
                    "figure": "contributions",
                    "breakdown": "neighbourhood",
                    "kind": "bar",
                    "description": "",
                },
            ),
            section("Ce que nous avons entendu", "ce-que-nous-avons-entendu"),
            (
                "quotes",
                [
                    {
                        "quote": "Des arbres et des bancs, pour que la place redevienne un lieu "
                        "où l'on s'arrête.",
                        "name": "Claire",
                        "context": "Café-débat du marché",
                    },
                    {"quote": "Gardons le marché du samedi !", "name": "", "context": ""},
                ],
            ),
            (
                "you_said_we_did",
                [
                    {
                        "you_said": "Plus d'ombre sur la place en été.",
                        "we_did": "Douze arbres sont inscrits au programme des travaux.",
                    },
                    {
                        "you_said": "Garder le marché du samedi.",
                        "we_did": "Le marché reste sur la place pendant et après les travaux.",
                    },
                ],
            ),
            section("Ce que nous avons décidé, et pourquoi", "decisions"),
            ("decisions", {"heading": "", "citizen_only": False, "count": 10}),
            section("La suite", "la-suite"),
            (
                "timeline",
                {
                    "heading": "",
                    "from_linked_pages": True,
                    "steps": [
                        {
                            "title": "Présentation du projet au conseil municipal",
                            "date": today + timedelta(days=45),
                            "status": "planned",
                            "description": "",
                        },
                        {
                            "title": "Début des travaux",
                            "date": today + timedelta(days=200),
                            "status": "planned",
                            "description": "Le marché du samedi reste ouvert.",
                        },
                    ],
                },
            ),
            ("documents", [document]),
        ],
    )
    budget = restitution_page(
        index,
        "bilan-budget-citoyen-2025",
        "Bilan du budget citoyen 2025",
        "Les projets que vous avez choisis en 2025 sont en cours de réalisation. Voici les "
        "résultats du vote et l'avancement de chaque projet.",
        [pages["budget-citoyen-2025"]],
        [
            section("Le contexte et la question posée", "contexte"),
            (
                "text",
                "<p>100 000 € pour des projets proposés et choisis par les habitants.</p>",
            ),
            section("Comment vous avez participé", "participation"),
            ("figures", {"heading": "", "figures": [], "by_neighbourhood": True}),
            (
                "chart",
                {
                    "title": "Bulletins par quartier",
                    "figure": "ballots_online",
                    "breakdown": "neighbourhood",
                    "kind": "share",
                    "description": "",
                },
            ),
            section("Ce que nous avons entendu", "ce-que-nous-avons-entendu"),
            (
                "quotes",
                [
                    {
                        "quote": "Un jardin partagé au pied des immeubles, enfin !",
                        "name": "Karim",
                        "context": "",
                    }
                ],
            ),
            (
                "you_said_we_did",
                [
                    {
                        "you_said": "Des projets dans chaque quartier.",
                        "we_did": "Une enveloppe par quartier, en plus de celle de la ville.",
                    }
                ],
            ),
            section("Ce que nous avons décidé, et pourquoi", "decisions"),
            ("budget_results", {"heading": "Les projets financés"}),
            (
                "decisions",
                {"heading": "Projets issus des habitants", "citizen_only": True, "count": 20},
            ),
            section("La suite", "la-suite"),
            ("timeline", {"heading": "", "from_linked_pages": True, "steps": []}),
            ("documents", [document]),
        ],
    )
    return square, budget
