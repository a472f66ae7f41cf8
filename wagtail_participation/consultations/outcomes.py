"""What a consultation reports back: its figures, decisions and participants for restitution
pages, and each resident's own items for their "My participation" page.

Only published contributions count, with the supports and published comments they carry, and
the questionnaire responses of the page; every function runs a fixed number of queries,
whatever the number of contributions.
"""

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from wagtail_participation.models import Neighbourhood
from wagtail_participation.outcomes import Decision, Figure, ParticipationItem

from .models import (
    AnswerStatus,
    Comment,
    CommentStatus,
    Contribution,
    ContributionStatus,
    QuestionnaireResponse,
    Support,
)

# Answers that take up a resident's idea: restitution pages mark them as citizen decisions.
CITIZEN_ANSWERS = {AnswerStatus.ACCEPTED, AnswerStatus.PARTIALLY_ACCEPTED}

# A comment shows on the site when it is published and so is the comment it replies to.
VISIBLE_COMMENT = Q(status=CommentStatus.PUBLISHED) & (
    Q(parent__isnull=True) | Q(parent__status=CommentStatus.PUBLISHED)
)


# Querysets ----------------------------------------------------------------------------------


def published_contributions(page):
    return Contribution.objects.filter(page=page, status=ContributionStatus.PUBLISHED)


def counted_supports(page):
    return Support.objects.filter(
        contribution__page=page, contribution__status=ContributionStatus.PUBLISHED
    )


def counted_comments(page):
    return Comment.objects.filter(
        VISIBLE_COMMENT,
        contribution__page=page,
        contribution__status=ContributionStatus.PUBLISHED,
    )


def participant_ids_query(page):
    """One query: the distinct ids of the accounts behind the counted items of ``page``."""
    authors = published_contributions(page).filter(author__isnull=False).values_list("author")
    supporters = counted_supports(page).values_list("user")
    commenters = counted_comments(page).filter(author__isnull=False).values_list("author")
    respondents = QuestionnaireResponse.objects.filter(page=page, user__isnull=False).values_list(
        "user"
    )
    # UNION (not UNION ALL) removes the duplicates in the database.
    return authors.order_by().union(
        supporters.order_by(), commenters.order_by(), respondents.order_by()
    )


# Figures ------------------------------------------------------------------------------------


def neighbourhood_ordering():
    """The neighbourhoods' own ordering, seen from a contribution (``neighbourhood__name``)."""
    return [
        f"-neighbourhood__{field[1:]}" if field.startswith("-") else f"neighbourhood__{field}"
        for field in Neighbourhood._meta.ordering
    ]


def contributions_by_neighbourhood(page):
    rows = (
        published_contributions(page)
        .filter(neighbourhood__isnull=False)
        .values("neighbourhood", "neighbourhood__name")
        .annotate(total=Count("pk"))
        .order_by(*neighbourhood_ordering(), "neighbourhood")
    )
    return tuple((row["neighbourhood__name"], row["total"]) for row in rows)


def outcome_figures(page):
    """Participants, contributions, supports, comments and, when the page asks questions,
    questionnaire responses.

    Only published contributions count, with their supports and their visible comments
    (published, and not replying to a hidden comment). "participants" counts distinct
    accounts among the authors, supporters, commenters and respondents, plus one participant
    per contribution without an account and per response without an account (made with a
    participation code): those cannot be told apart, so two of them by the same person count
    twice.
    """
    contributions = published_contributions(page).aggregate(
        total=Count("pk"), anonymous=Count("pk", filter=Q(author__isnull=True))
    )
    participants = participant_ids_query(page).count() + contributions["anonymous"]
    figures = [
        Figure("contributions", contributions["total"], contributions_by_neighbourhood(page)),
        Figure("supports", counted_supports(page).count()),
        Figure("comments", counted_comments(page).count()),
    ]
    if page.questions.exists():
        responses = QuestionnaireResponse.objects.filter(page=page).aggregate(
            total=Count("pk"), without_account=Count("pk", filter=Q(user__isnull=True))
        )
        participants += responses["without_account"]
        figures.append(Figure("responses", responses["total"]))
    else:
        participants += QuestionnaireResponse.objects.filter(page=page, user__isnull=True).count()
    return [Figure("participants", participants), *figures]


def outcome_participant_ids(page):
    """The ids of the accounts that contributed (published), supported, commented (visible
    comments) or answered the questionnaire on ``page``."""
    return {user_id for (user_id,) in participant_ids_query(page)}


# Decisions ----------------------------------------------------------------------------------


def contribution_url(page_url, page, contribution_pk):
    return page_url + page.reverse_subpage("contribution_detail", args=[contribution_pk])


def outcome_decisions(page):
    """The official answers to published contributions, newest answer first."""
    page_url = page.url or ""
    answered = (
        published_contributions(page)
        .exclude(answer_status=AnswerStatus.NONE)
        .select_related("neighbourhood")
        .order_by(F("answered_at").desc(nulls_last=True), "-pk")
    )
    return [
        Decision(
            kind="contribution",
            title=contribution.title,
            status=contribution.answer_status,
            status_label=str(contribution.get_answer_status_display()),
            justification=contribution.answer_text,
            citizen=contribution.answer_status in CITIZEN_ANSWERS,
            url=contribution_url(page_url, page, contribution.pk) if page_url else "",
            neighbourhood=contribution.neighbourhood.name if contribution.neighbourhood else "",
            decided_at=contribution.answered_at,
        )
        for contribution in answered
    ]


# "My participation" -------------------------------------------------------------------------


class UrlCache:
    """Wagtail's ``cache_object`` for page URLs: the site root paths are read once for all the
    pages. Having no current site, URLs come out as ``page.url`` gives them (relative on a
    one-site install)."""

    _wagtail_site = None


class PageLinks:
    """The URL of each consultation page and of its contributions, each page computed once."""

    def __init__(self):
        self.cache = UrlCache()
        self.urls = {}

    def page_url(self, page):
        if page.pk not in self.urls:
            self.urls[page.pk] = page.get_url(request=self.cache) or ""
        return self.urls[page.pk]

    def contribution_url(self, contribution):
        page = contribution.page
        base = self.page_url(page)
        if not base or contribution.status != ContributionStatus.PUBLISHED:
            return ""
        return contribution_url(base, page, contribution.pk)


def hidden_outcome(item):
    label = str(ContributionStatus.HIDDEN.label)
    if not item.moderation_reason:
        return label
    return _("%(status)s (reason: %(reason)s)") % {
        "status": label,
        "reason": item.moderation_reason,
    }


def answer_outcome(contribution):
    if not contribution.answer_status:
        return ""
    label = str(contribution.get_answer_status_display())
    if not contribution.answer_text:
        return label
    return _("%(answer)s: %(justification)s") % {
        "answer": label,
        "justification": contribution.answer_text,
    }


def contribution_outcome(contribution):
    """What became of a contribution, as its author sees it."""
    if contribution.status == ContributionStatus.PUBLISHED:
        return answer_outcome(contribution)
    if contribution.status == ContributionStatus.HIDDEN:
        return hidden_outcome(contribution)
    return str(contribution.get_status_display())  # pending or withdrawn


def as_seen_by(user, contribution):
    """(title, outcome) of a contribution ``user`` supported or commented on.

    Once someone else's contribution is no longer published, its supporters and commenters
    see neither its title nor the moderator's reason: only that it is no longer published.
    """
    if contribution.status == ContributionStatus.PUBLISHED or contribution.author_id == user.pk:
        return contribution.title, contribution_outcome(contribution)
    title = _("Contribution no. %(id)s, no longer published") % {"id": contribution.pk}
    return title, str(contribution.get_status_display())


def item(links, page, action, title, date, outcome="", url="", **extra):
    return ParticipationItem(
        process_title=page.title,
        process_url=links.page_url(page),
        action=action,
        title=title,
        date=date,
        outcome=outcome,
        url=url,
        extra=extra,
    )


def contribution_items(user, links):
    contributions = Contribution.objects.filter(author=user, page__live=True).select_related("page")
    return [
        item(
            links,
            contribution.page,
            "contribution",
            contribution.title,
            contribution.created_at,
            contribution_outcome(contribution),
            links.contribution_url(contribution),
            status=contribution.status,
            answer_status=contribution.answer_status,
        )
        for contribution in contributions
    ]


def support_items(user, links):
    supports = Support.objects.filter(user=user, contribution__page__live=True).select_related(
        "contribution__page"
    )
    # A contribution hidden or withdrawn since the support says so instead of an answer.
    items = []
    for support in supports:
        title, outcome = as_seen_by(user, support.contribution)
        items.append(
            item(
                links,
                support.contribution.page,
                "support",
                title,
                support.created_at,
                outcome,
                links.contribution_url(support.contribution),
                answer_status=support.contribution.answer_status,
            )
        )
    return items


def comment_items(user, links):
    comments = (
        Comment.objects.filter(author=user, contribution__page__live=True)
        .select_related("contribution__page", "parent")
        .order_by("created_at", "pk")
    )
    items = []
    for comment in comments:
        hidden = comment.status == CommentStatus.HIDDEN
        visible = not hidden and (
            comment.parent is None or comment.parent.status != CommentStatus.HIDDEN
        )
        url = links.contribution_url(comment.contribution)
        items.append(
            item(
                links,
                comment.contribution.page,
                "comment",
                as_seen_by(user, comment.contribution)[0],
                comment.created_at,
                hidden_outcome(comment) if hidden else "",
                f"{url}#comment-{comment.pk}" if url and visible else "",
                status=comment.status,
                text=comment.body,
            )
        )
    return items


def response_items(user, links):
    responses = QuestionnaireResponse.objects.filter(user=user, page__live=True).select_related(
        "page"
    )
    return [
        item(links, response.page, "response", _("Questionnaire answered"), response.created_at)
        for response in responses
    ]


def items_for_user(user):
    """The consultation items of ``user`` on live pages, in five queries at most (four, and
    the site root paths once)."""
    if user is None or not user.is_authenticated:
        return []
    links = PageLinks()
    return [
        *contribution_items(user, links),
        *support_items(user, links),
        *comment_items(user, links),
        *response_items(user, links),
    ]
