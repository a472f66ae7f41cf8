"""Demo content of the consultation on the place du Marché: contributions, supports, comments,
a questionnaire with answers, official answers and a completed draw by lot."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from wagtail_participation.consultations.models import (
    AnswerStatus,
    Comment,
    Contribution,
    ContributionStatus,
    Draw,
    Question,
    QuestionAnswer,
    QuestionKind,
    QuestionnaireResponse,
    Support,
)
from wagtail_participation.profiles import ParticipantProfile

INTRO = (
    "La place du Marché sera entièrement réaménagée en 2027. Avant que les architectes ne "
    "dessinent le projet, la ville veut savoir comment vous l'utilisez et ce que vous en "
    "attendez."
)

BODY = [
    ("heading", "Pourquoi maintenant ?"),
    (
        "paragraph",
        "<p>Les réseaux souterrains doivent être refaits en 2027 : c'est l'occasion de "
        "repenser la place. Le budget (1,2 M€) est voté ; le programme reste ouvert.</p>",
    ),
    ("heading", "Comment participer"),
    (
        "paragraph",
        "<p>Proposez vos idées, soutenez celles des autres, commentez-les et répondez au "
        "questionnaire. Chaque idée recevra une réponse de la ville.</p>",
    ),
]

RESIDENTS = [
    # username, public name, neighbourhood slug, year of birth
    ("claire", "Claire L.", "centre-ville", 1979),
    ("karim", "Karim B.", "la-gare", 1992),
    ("josiane", "Josiane", "les-pres", 1951),
]

CONTRIBUTIONS = [
    # title, text, author, neighbourhood, status, answer, answer text, supporters
    (
        "Planter de grands arbres pour l'ombre",
        "L'été, la place est un four. Des platanes ou des tilleuls le long des terrasses "
        "rendraient le marché du samedi bien plus agréable.",
        "alice",
        "centre-ville",
        ContributionStatus.PUBLISHED,
        AnswerStatus.ACCEPTED,
        "Le cahier des charges demandera au moins douze arbres de haute tige, plantés en "
        "pleine terre.",
        ["claire", "karim", "josiane", "bob"],
    ),
    (
        "Des bancs à l'ombre pour les anciens",
        "Il faut pouvoir s'asseoir en attendant le bus ou entre deux étals, avec des bancs "
        "à dossier et accoudoirs.",
        "josiane",
        "les-pres",
        ContributionStatus.PUBLISHED,
        AnswerStatus.PARTIALLY_ACCEPTED,
        "Des bancs à dossier sont prévus ; leur nombre sera fixé avec les architectes.",
        ["alice", "claire"],
    ),
    (
        "Un parking souterrain",
        "Supprimer les places en surface sans alternative fera fuir les clients des commerces.",
        "karim",
        "la-gare",
        ContributionStatus.PUBLISHED,
        AnswerStatus.REJECTED,
        "Un parking souterrain coûterait plus de 8 M€, hors du budget voté. Le parking de la "
        "gare, à 400 m, sera mieux signalé.",
        ["bob"],
    ),
    (
        "Une fontaine pour les enfants",
        "Des jets d'eau au sol, comme à Lille, pour jouer l'été sans danger.",
        "claire",
        "centre-ville",
        ContributionStatus.PUBLISHED,
        AnswerStatus.UNDER_STUDY,
        "Les services étudient le coût d'entretien et la consommation d'eau.",
        ["alice", "josiane"],
    ),
    (
        "Garder le marché le samedi matin",
        "Quel que soit le projet, le marché doit rester sur la place, et les travaux ne "
        "doivent pas l'interrompre plus d'un mois.",
        "bob",
        None,
        ContributionStatus.PUBLISHED,
        AnswerStatus.NONE,
        "",
        ["alice", "claire", "karim"],
    ),
    (
        "Des arceaux pour les vélos",
        "Il manque des arceaux près de la boulangerie et de la pharmacie.",
        "alice",
        "centre-ville",
        ContributionStatus.PUBLISHED,
        AnswerStatus.NONE,
        "",
        ["karim"],
    ),
    (
        "Un kiosque pour les concerts",
        "Un petit kiosque couvert permettrait des concerts l'été et abriterait le marché "
        "quand il pleut.",
        "karim",
        "la-gare",
        ContributionStatus.PENDING,
        AnswerStatus.NONE,
        "",
        [],
    ),
]

COMMENTS = [
    # contribution index, author, text, reply to comment index (or None)
    (0, "karim", "Oui, et des arbres qui ne salissent pas trop les voitures !", None),
    (0, "alice", "Les tilleuls sont parfaits pour ça, et ils sentent bon en juin.", 0),
    (2, "claire", "Le parking de la gare est souvent vide le samedi, pourtant.", None),
    (3, "josiane", "Mes petits-enfants adoreraient.", None),
]

QUESTIONS = [
    (QuestionKind.YES_NO, "Faut-il rendre la place piétonne le samedi ?", "", None),
    (
        QuestionKind.SINGLE,
        "Quel usage de la place vous semble le plus important ?",
        "Le marché\nLes terrasses\nLes jeux d'enfants\nLes événements",
        None,
    ),
    (
        QuestionKind.MULTIPLE,
        "Quels aménagements souhaitez-vous ? (trois au plus)",
        "Arbres\nBancs\nFontaine\nArceaux à vélos\nToilettes publiques\nKiosque",
        3,
    ),
    (QuestionKind.OPEN, "Une remarque, une idée ?", "", None),
]

ANSWERS = {
    "alice": ["yes", "Le marché", ["Arbres", "Bancs", "Arceaux à vélos"], "Vivement !"],
    "claire": ["yes", "Les jeux d'enfants", ["Fontaine", "Arbres"], ""],
    "karim": ["no", "Les terrasses", ["Arceaux à vélos"], "Pensez aux livraisons."],
}


def demo_residents(users, neighbourhoods):
    User = get_user_model()
    residents = dict(users)
    for username, name, neighbourhood, birth_year in RESIDENTS:
        user, _ = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@villebrune.example"}
        )
        if user.has_usable_password():
            user.set_unusable_password()
            user.save()
        ParticipantProfile.objects.update_or_create(
            user=user,
            defaults={
                "display_name": name,
                "neighbourhood": neighbourhoods[neighbourhood],
                "lives_in_town": True,
                "birth_year": birth_year,
                "terms_accepted_at": timezone.now(),
            },
        )
        residents[username] = user
    return residents


def load_consultation(page, users, neighbourhoods):
    """(Re)create the consultation's resident content; return its completed draw."""
    page.intro = INTRO
    page.body = BODY
    page.support_threshold = 4
    page.questionnaire_intro = "Cinq minutes pour nous dire ce qui compte pour vous."
    page.save_revision().publish()
    page.refresh_from_db()
    residents = demo_residents(users, neighbourhoods)
    # Resident content is made anew at each run, so the demo stays the same.
    page.contributions.all().delete()
    page.questionnaire_responses.all().delete()
    page.draws.all().delete()
    Question.objects.filter(page=page).delete()

    now = timezone.now()
    contributions = []
    for number, (title, text, author, place, status, answer, answer_text, supporters) in enumerate(
        CONTRIBUTIONS
    ):
        created = now - timedelta(days=12 - number, hours=number)
        contribution = Contribution.objects.create(
            page=page,
            author=residents[author],
            title=title,
            body=text,
            neighbourhood=neighbourhoods[place] if place else None,
            status=status,
            created_at=created,
            published_at=created if status == ContributionStatus.PUBLISHED else None,
            answer_status=answer,
            answer_text=answer_text,
            answered_at=now - timedelta(days=1) if answer else None,
        )
        contribution.themes.set(["Urbanisme"] if number % 2 else ["Espaces verts"])
        Support.objects.bulk_create(
            Support(contribution=contribution, user=residents[name]) for name in supporters
        )
        contributions.append(contribution)

    comments = []
    for target, author, text, reply_to in COMMENTS:
        comments.append(
            Comment.objects.create(
                contribution=contributions[target],
                author=residents[author],
                body=text,
                parent=comments[reply_to] if reply_to is not None else None,
            )
        )

    questions = [
        Question.objects.create(
            page=page, sort_order=order, kind=kind, text=text, choices=choices, max_choices=most
        )
        for order, (kind, text, choices, most) in enumerate(QUESTIONS)
    ]
    for username, values in ANSWERS.items():
        response = QuestionnaireResponse.objects.create(page=page, user=residents[username])
        for question, value in zip(questions, values, strict=True):
            if question.kind == QuestionKind.OPEN:
                QuestionAnswer.objects.create(response=response, question=question, text=value)
            else:
                chosen = value if isinstance(value, list) else [value]
                QuestionAnswer.objects.create(response=response, question=question, choices=chosen)

    return perform_demo_draw(page)


def perform_demo_draw(page):
    from wagtail_participation.consultations import draw as draw_by_lot

    draw = draw_by_lot.announce(
        page, title="Tirage au sort de trois idées pour l'atelier du 12", count=3
    )
    Draw.objects.filter(pk=draw.pk).update(announced_at=timezone.now() - timedelta(days=3))
    draw_by_lot.perform(Draw.objects.get(pk=draw.pk))
    return Draw.objects.get(pk=draw.pk)
