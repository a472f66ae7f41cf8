"""The staff form of a petition: review, council date, answer and linked meetings.

Saving applies the decisions in one transaction, with the petition's row locked: the first
admissible review opens the petition with its page's rules, a refusal records when it was
decided, the first answer records when it was given; the filer and the residents who want
news are told after the commit (``notifications``). The signature count and the moment the
threshold was reached are never taken from the form.
"""

from django import forms
from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.log_actions import log
from wagtail.models import Page

from wagtail_participation.staff import managed_pages

from . import notifications
from .models import Petition, PetitionIndexPage, Review

REVIEW_ACTION = "wagtail_participation.petition.review"
ANSWER_ACTION = "wagtail_participation.petition.answer"
PAPER_SIGNATURE_ACTION = "wagtail_participation.petition.paper_signature"
SIGNATURE_REMOVED_ACTION = "wagtail_participation.petition.signature_removed"

FIELDS = [
    "page",
    "title",
    "text",
    "filer_name",
    "themes",
    "neighbourhood",
    "review",
    "review_reason",
    "council_date",
    "answer",
    "meetings",
]


def meetings_installed():
    return apps.is_installed("wagtail_participation.meetings")


def meeting_pages():
    from wagtail_participation.meetings.models import MeetingPage

    return Page.objects.type(MeetingPage).live().order_by("-first_published_at", "title")


class PetitionAdminForm(WagtailAdminModelForm):
    class Meta:
        model = Petition
        fields = FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        page = self.fields.get("page")
        if page is not None:
            pages = PetitionIndexPage.objects.all()
            if user is not None and not user.is_superuser:
                pages = pages.filter(pk__in=managed_pages(user).values("pk"))
            page.queryset = pages
            if self.instance.pk:
                page.disabled = True
        meetings = self.fields.get("meetings")
        if meetings is not None:
            if meetings_installed():
                meetings.queryset = meeting_pages()
                meetings.widget = forms.CheckboxSelectMultiple(choices=meetings.choices)
            else:
                meetings.queryset = Page.objects.none()
                meetings.widget = forms.MultipleHiddenInput()

    def clean(self):
        cleaned_data = super().clean()
        if (
            self.instance.pk
            and self.instance.opened_at
            and cleaned_data.get("review") == Review.PENDING
        ):
            self.add_error(
                "review",
                _("This petition has been opened for signatures: it cannot wait for review again."),
            )
        return cleaned_data

    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        petition = self.instance
        now = timezone.now()
        with transaction.atomic():
            if petition.pk:
                locked = Petition.objects.select_for_update(of=("self",)).get(pk=petition.pk)
                # Counted by signing.py under this lock, never by the form.
                petition.signature_count = locked.signature_count
                petition.threshold_reached_at = locked.threshold_reached_at
                petition.opened_at = locked.opened_at
                petition.closes_at = locked.closes_at
                petition.threshold = locked.threshold
                petition.answered_at = locked.answered_at
                previous_review = locked.review
            else:
                previous_review = Review.PENDING
            review_changed = petition.review != previous_review
            if petition.review == Review.ADMISSIBLE and petition.opened_at is None:
                petition.open_now(now)
                petition.reviewed_at = now
            elif review_changed and petition.review != Review.PENDING:
                petition.reviewed_at = now
            answered = bool(petition.answer.strip()) and petition.answered_at is None
            if answered:
                petition.answered_at = now
            petition = super().save(commit=True)
            if review_changed and petition.review != Review.PENDING:
                log(
                    petition,
                    REVIEW_ACTION,
                    user=self.for_user,
                    data={"review": petition.review, "reason": petition.review_reason},
                )
                notifications.notify_review_decision(petition)
            if answered:
                log(petition, ANSWER_ACTION, user=self.for_user)
                notifications.notify_answered(petition)
        return petition
