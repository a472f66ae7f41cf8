"""Participatory budgets in the Wagtail admin: projects, ballots, paper ballots and results.

``admin_screens.py`` declares the project and ballot screens; this module gives them their
custom parts and adds the screens that are not listings:

- projects: a review form (status, public reason, internal notes) with the implementation
  updates inline; the envelope must belong to the project's budget; status changes are
  written to the audit log;
- ballots: listed and inspected, never edited; a paper ballot entered by mistake can be
  deleted until the results are published;
- paper ballots: staff enter them through ``ballots.cast_ballot``, the one function that checks
  and stores every ballot, so paper and online ballots follow exactly the same rules;
- results: a preview of ``results.compute_results`` per budget, then publication or withdrawal
  after a confirmation step, written to the page's history.

Who may do what
    Projects: holders of ``participation_budgets.review_budgetproject`` (the reviewers) list,
    inspect and edit projects, as holders of the model's view/change permissions do; adding
    and deleting projects need the model's own add/delete permissions.
    Ballots: ``add_ballot`` lets staff enter paper ballots (and see the ballots);
    ``view_ballot`` lists them; ``delete_ballot`` deletes paper ballots before publication.
    Nobody changes a ballot.
    Results: editors of the budget page (page permission "change") see the preview; publishing
    and withdrawing need the page permission "publish".
    Every right is also limited to the budgets the member of staff may edit in the page tree
    (``wagtail_participation.staff``): projects, ballots and paper ballots of other teams'
    budgets are neither listed, nor offered in forms, nor accepted in a submission.
"""

import functools
from decimal import Decimal

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy

from wagtail_participation.exports import neutralise_formula
from wagtail_participation.forms import MAX_ID, IdChoiceField
from wagtail_participation.staff import PageScopedPolicyMixin, managed, may_manage

from .ballots import BallotRefused, ballot_projects, cast_ballot, phase_errors
from .models import (
    BALLOT_STATUSES,
    Ballot,
    BallotChannel,
    BallotChoice,
    BallotKind,
    BudgetEnvelope,
    BudgetPage,
    BudgetProject,
    BudgetResult,
    ResultsRule,
)
from .money import format_money
from .results import ResultsError, compute_results, envelope_data, publish_results
from .results import withdraw_results as withdraw_published_results
from .views.results import reason_text

TEMPLATES = "wagtail_participation/budgets/admin/"
APP = "participation_budgets"

PROJECT_STATUS_ACTION = "wagtail_participation.project_status"
PAPER_BALLOT_ACTION = "wagtail_participation.paper_ballot"
RESULTS_PUBLISH_ACTION = "wagtail_participation.budget_results.publish"
RESULTS_WITHDRAW_ACTION = "wagtail_participation.budget_results.withdraw"


# Permissions -----------------------------------------------------------------------------------


class GrantedByPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, where some actions are also granted by other permissions of the same
    model (``granted_by``: action -> codenames); ``denied`` actions are nobody's."""

    granted_by = {}
    denied = ()

    def _codenames(self, action):
        if action in self.denied:
            return set()
        return {self._get_permission_codename(action), *self.granted_by.get(action, ())}

    def user_has_permission(self, user, action):
        return any(user.has_perm(f"{APP}.{codename}") for codename in self._codenames(action))

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        codenames = set().union(*(self._codenames(action) for action in actions))
        if not codenames:
            return get_user_model().objects.none()
        return self._get_users_with_any_permission_codenames(codenames)


class ProjectPermissionPolicy(PageScopedPolicyMixin, GrantedByPermissionPolicy):
    """Reviewers list, inspect and edit projects; adding and deleting need the model's own
    permissions, and a project that received votes cannot be deleted. Each project only for
    staff who may edit its budget page."""

    granted_by = {
        "view": ("change_budgetproject", "review_budgetproject"),
        "change": ("review_budgetproject",),
    }

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and project_has_votes(instance):
            return False
        return super().user_has_permission_for_instance(user, action, instance)


class BallotPermissionPolicy(PageScopedPolicyMixin, GrantedByPermissionPolicy):
    """Staff who enter paper ballots (``add_ballot``) or delete them see the ballots; nobody
    changes a ballot; only paper ballots are deleted, and only before publication. Each ballot
    only for staff who may edit its budget page."""

    granted_by = {"view": ("add_ballot", "delete_ballot")}
    denied = ("change",)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and not ballot_is_deletable(instance):
            return False
        return super().user_has_permission_for_instance(user, action, instance)


# Registered on import, before the viewsets are built: they would otherwise get a fallback policy.
register_permission_policy(BudgetProject, ProjectPermissionPolicy(BudgetProject))
register_permission_policy(Ballot, BallotPermissionPolicy(Ballot))


def project_policy():
    return policy_registry.get_by_type(BudgetProject)


def ballot_policy():
    return policy_registry.get_by_type(Ballot)


def project_has_votes(project):
    return BallotChoice.objects.filter(project=project).exists()


def results_published_expression(page_field="page"):
    return Exists(
        BudgetResult.objects.filter(page=OuterRef(page_field), published_at__isnull=False)
    )


def ballot_is_deletable(ballot):
    if ballot.channel != BallotChannel.PAPER:
        return False
    published = getattr(ballot, "results_published", None)
    if published is None:
        published = BudgetResult.objects.filter(
            page_id=ballot.page_id, published_at__isnull=False
        ).exists()
    return not published


def can_enter_paper_ballots(user, page=None):
    """Whether ``user`` enters paper ballots (on ``page``, when given: a budget they may edit)."""
    allowed = user.is_active and ballot_policy().user_has_permission(user, "add")
    return allowed and (page is None or may_manage(user, page))


def can_see_results(user, page):
    return page.permissions_for_user(user).can_edit()


def can_publish_results(user, page):
    return page.permissions_for_user(user).can_publish()


def may_edit_some_page(user):
    return PagePermissionPolicy().user_has_any_permission(user, {"change", "publish"})


def listing_url(model, **filters):
    """The listing of ``model`` in whichever admin UI the site uses, filtered."""
    opts = model._meta
    for name in (
        f"participation_{opts.model_name}:index",
        f"{opts.app_label}_{opts.model_name}_modeladmin_index",
    ):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        return f"{url}?{urlencode(filters)}" if filters else url
    return ""


# Display helpers -------------------------------------------------------------------------------


def envelope_label(envelope):
    return f"{envelope.page.title} – {envelope.display_name}"


def managed_envelopes(user):
    """The envelopes of the budgets ``user`` may edit."""
    return managed(BudgetEnvelope.objects.select_related("page", "neighbourhood"), user).order_by(
        "page__title", "page_id", "sort_order", "pk"
    )


def managed_budgets(user):
    """The budgets ``user`` may edit."""
    return managed(BudgetPage.objects.all(), user, "pk").order_by("title", "pk")


def envelopes_for_filter(request):
    return managed_envelopes(request.user)


def budgets_for_filter(request):
    return managed_budgets(request.user)


class EnvelopeChoiceField(IdChoiceField):
    """Envelopes named with their budget: "Whole town" alone would be ambiguous."""

    def label_from_instance(self, envelope):
        return envelope_label(envelope)


class EnvelopeFilter(django_filters.ModelChoiceFilter):
    field_class = EnvelopeChoiceField


class BudgetFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField


# Projects --------------------------------------------------------------------------------------


class ProjectFilterSet(WagtailFilterSet):
    page = BudgetFilter(
        label=_("Participatory budget"), queryset=budgets_for_filter, empty_label=_("All budgets")
    )
    envelope = EnvelopeFilter(
        label=_("Envelope"), queryset=envelopes_for_filter, empty_label=_("All envelopes")
    )

    class Meta:
        model = BudgetProject
        fields = ["page", "status", "envelope"]


def annotate_projects(queryset):
    return queryset.select_related("page", "envelope", "envelope__neighbourhood")


class ProjectIndexView(generic.IndexView):
    custom_field_preprocess = {
        field: {"csv": neutralise_formula}
        for field in ("title", "page.title", "envelope", "public_reason", "location")
    }

    def get_base_queryset(self):
        return annotate_projects(super().get_base_queryset())


class ProjectAdminForm(WagtailAdminModelForm):
    """The budget is chosen once; the envelope must be one of its envelopes; saving a new
    status writes it to the audit log."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous_status = self.instance.status if self.instance.pk else None
        page = self.fields.get("page")
        envelope = self.fields.get("envelope")
        # Only the budgets this member of staff may edit, and their envelopes.
        if page is not None:
            page.queryset = managed_budgets(self.for_user)
        if envelope is not None:
            # An existing project, or one added from its budget's results screen (?page=):
            # that budget's envelopes only.
            if self.instance.pk or self.instance.page_id:
                envelope.queryset = BudgetEnvelope.objects.filter(
                    page_id=self.instance.page_id
                ).select_related("neighbourhood")
            else:
                envelope.queryset = managed_envelopes(self.for_user)
                envelope.label_from_instance = envelope_label
        if page is not None and self.instance.pk:
            page.disabled = True
            page.help_text = _("A project stays in the budget it was created in.")
        status = self.fields.get("status")
        if status is not None:
            status.help_text = _(
                "“Selected” and “Not selected” are set when the results are published."
            )

    def clean(self):
        cleaned_data = super().clean()
        page = cleaned_data.get("page") or (self.instance.page if self.instance.pk else None)
        envelope = cleaned_data.get("envelope")
        if page is not None and envelope is not None and envelope.page_id != page.pk:
            self.add_error(
                "envelope",
                _("“%(envelope)s” is an envelope of “%(other)s”: choose an envelope of “%(page)s”.")
                % {
                    "envelope": envelope.display_name,
                    "other": envelope.page.title,
                    "page": page.title,
                },
            )
        elif (
            envelope is not None
            and self.instance.pk
            and envelope.pk != self.instance.envelope_id
            and project_has_votes(self.instance)
        ):
            self.add_error(
                "envelope",
                _(
                    "This project already has votes in its envelope: it cannot move to "
                    "another envelope."
                ),
            )
        status = cleaned_data.get("status")
        if (
            status
            and status not in BALLOT_STATUSES
            and self.instance.pk
            and project_has_votes(self.instance)
        ):
            self.add_error(
                "status",
                _(
                    "This project already has votes: it stays among the projects on the "
                    "ballot, so that its votes keep counting."
                ),
            )
        return cleaned_data

    def save(self, commit=True):
        project = super().save(commit=commit)
        if commit and self.previous_status and project.status != self.previous_status:
            log(
                project,
                PROJECT_STATUS_ACTION,
                user=self.for_user,
                data={
                    "previous_status": self.previous_status,
                    "status": project.status,
                    "reason": project.public_reason,
                },
            )
        return project


def project_edit_handler():
    return ObjectList(
        [
            MultiFieldPanel(
                [FieldPanel("page", widget=forms.Select), "envelope"],
                heading=_("Budget"),
            ),
            MultiFieldPanel(
                ["title", "description", "estimated_cost", "themes", "proposer_name"],
                heading=_("Project"),
            ),
            MultiFieldPanel(
                ["location", FieldRowPanel(["latitude", "longitude"])], heading=_("Location")
            ),
            FieldPanel("images"),
            MultiFieldPanel(["status", "public_reason", "review_notes"], heading=_("Review")),
            InlinePanel("updates", heading=_("Implementation updates"), label=_("Update")),
        ],
        base_form_class=ProjectAdminForm,
    )


class ProjectCreateView(generic.CreateView):
    """``?page=<id>`` (a link on the budget's results screen) chooses the budget."""

    def get_initial_form_instance(self):
        page_id = self.request.GET.get("page", "")
        budgets = managed_budgets(self.request.user)
        page = budgets.filter(pk=page_id).first() if page_id.isdigit() else None
        return BudgetProject(page=page) if page is not None else None


class ProjectDeleteView(generic.DeleteView):
    def dispatch(self, request, *args, **kwargs):
        if project_has_votes(self.object):
            messages.error(
                request,
                _(
                    "“%(title)s” has received votes: it cannot be deleted. Change its status "
                    "instead."
                )
                % {"title": self.object.title},
            )
            return redirect(self.index_url_name)
        return super().dispatch(request, *args, **kwargs)


class ProjectViewSet(ModelViewSet):
    index_view_class = ProjectIndexView
    add_view_class = ProjectCreateView
    delete_view_class = ProjectDeleteView
    filterset_class = ProjectFilterSet
    copy_view_enabled = False
    edit_handler = project_edit_handler()
    export_filename = "budget-projects"
    export_headings = {
        "page.title": _("Participatory budget"),
        "envelope": _("Envelope"),
        "estimated_cost": _("Estimated cost"),
        "status": _("Status"),
        "public_reason": _("Public review outcome"),
        "location": _("Location"),
        "created_at": _("Submitted"),
    }


# Ballots ---------------------------------------------------------------------------------------


class BallotFilterSet(WagtailFilterSet):
    page = BudgetFilter(
        label=_("Participatory budget"), queryset=budgets_for_filter, empty_label=_("All budgets")
    )
    envelope = EnvelopeFilter(
        label=_("Envelope"), queryset=envelopes_for_filter, empty_label=_("All envelopes")
    )

    class Meta:
        model = Ballot
        fields = ["page", "envelope", "channel"]


def annotate_ballots(queryset):
    return queryset.select_related("page", "envelope", "envelope__neighbourhood").annotate(
        results_published=results_published_expression()
    )


class BallotIndexView(generic.IndexView):
    add_item_label = _("Enter a paper ballot")

    def get_base_queryset(self):
        return annotate_ballots(super().get_base_queryset())

    def get_add_url(self):
        if can_enter_paper_ballots(self.request.user):
            return reverse("participation_budgets_admin:paper_ballot_budgets")
        return None

    def get_delete_url(self, instance):
        if ballot_policy().user_has_permission_for_instance(self.request.user, "delete", instance):
            return super().get_delete_url(instance)
        return None


class BallotAddView(generic.CreateView):
    """Ballots are only added through the paper ballot screen, which applies the rules."""

    def dispatch(self, request, *args, **kwargs):
        return redirect("participation_budgets_admin:paper_ballot_budgets")


class BallotInspectView(generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(annotate_ballots(Ballot.objects.all()), pk=self.pk)

    def get_projects_display_value(self):
        titles = [
            f"{project.title} ({format_money(project.estimated_cost, self.object.page.currency)})"
            for project in self.object.projects.order_by("title", "pk")
        ]
        return "; ".join(titles) or "-"

    def get_delete_url(self):
        if ballot_policy().user_has_permission_for_instance(
            self.request.user, "delete", self.object
        ):
            return super().get_delete_url()
        return None


class BallotDeleteView(generic.DeleteView):
    success_message = _("Paper ballot “%(object)s” deleted.")

    def get_object(self, queryset=None):
        if getattr(self, "object", None):
            return self.object
        return get_object_or_404(annotate_ballots(Ballot.objects.all()), pk=self.kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        if not ballot_is_deletable(self.object):
            if self.object.channel != BallotChannel.PAPER:
                message = _("Only paper ballots entered by mistake can be deleted.")
            else:
                message = _("The results are published: ballots can no longer be deleted.")
            messages.error(request, message)
            return redirect(self.index_url_name)
        return super().dispatch(request, *args, **kwargs)


class BallotViewSet(ModelViewSet):
    index_view_class = BallotIndexView
    add_view_class = BallotAddView
    inspect_view_class = BallotInspectView
    delete_view_class = BallotDeleteView
    filterset_class = BallotFilterSet
    copy_view_enabled = False
    # The add and edit views are never shown (see BallotAddView and the permission policy).
    form_fields = ["paper_reference"]


# Paper ballots ---------------------------------------------------------------------------------


class ProjectChoices(forms.TypedMultipleChoiceField):
    """Project ids, checked by ``cast_ballot`` (not here) so that the messages are the ones
    residents get online: a project moved to another envelope since the form was shown is
    refused by the ballot rules, with its title."""

    def valid_value(self, value):
        return str(value).isdigit()


class PaperBallotForm(forms.Form):
    paper_reference = forms.CharField(
        label=_("Paper ballot number"),
        max_length=40,
        required=False,
        help_text=_("The number printed or written on the ballot: a number is entered only once."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    projects = ProjectChoices(
        label=_("Projects ticked on the ballot"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, projects=(), currency="EUR", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].choices = [
            (project.pk, f"{project.title} ({format_money(project.estimated_cost, currency)})")
            for project in projects
        ]


def ballot_rules_summary(page, envelope):
    """The ballot rule in one sentence, as the clerk checks it on the paper."""
    low, high = page.min_choices, page.max_choices
    if high and high == low:
        rule = ngettext("Choose exactly %(low)d project.", "Choose exactly %(low)d projects.", low)
    elif high:
        rule = ngettext(
            "Choose between %(low)d and %(high)d project.",
            "Choose between %(low)d and %(high)d projects.",
            high,
        )
    else:
        rule = ngettext(
            "Choose at least %(low)d project.", "Choose at least %(low)d projects.", low
        )
    rule = rule % {"low": low, "high": high}
    if page.ballot_kind == BallotKind.KNAPSACK:
        rule += " " + _("The projects chosen may cost %(amount)s in all at most.") % {
            "amount": format_money(envelope.amount, page.currency)
        }
    return rule


class PaperBallotPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_enter_paper_ballots(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PaperBallotBudgetsView(PaperBallotPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = TEMPLATES + "paper_ballot_budgets.html"
    page_title = _("Enter paper ballots")
    header_icon = "form"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        budgets = managed_budgets(self.request.user).annotate(
            paper_count=Count("ballots", filter=Q(ballots__channel=BallotChannel.PAPER))
        )
        context["budgets"] = [
            {"page": page, "closed": phase_errors(page, BallotChannel.PAPER, now)}
            for page in budgets
        ]
        return context


def get_object_or_404_by_id(queryset, pk, **filters):
    """``get_object_or_404``, where an id too large for the database is not found either."""
    if pk > MAX_ID:
        raise Http404
    return get_object_or_404(queryset, pk=pk, **filters)


class BudgetPageViewMixin:
    """Views of one budget page, ``page_id`` in the URL: a budget of another team (one the
    member of staff may not edit) is not found."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.page = get_object_or_404_by_id(BudgetPage, kwargs["page_id"])

    def dispatch(self, request, *args, **kwargs):
        if not may_manage(request.user, self.page):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.page.title


class PaperBallotEnvelopesView(
    PaperBallotPermissionMixin, BudgetPageViewMixin, WagtailAdminTemplateMixin, TemplateView
):
    template_name = TEMPLATES + "paper_ballot_envelopes.html"
    page_title = _("Enter paper ballots")
    header_icon = "form"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {
                "url": reverse("participation_budgets_admin:paper_ballot_budgets"),
                "label": self.page_title,
            },
            {"url": "", "label": self.page.title},
        ]

    def get(self, request, *args, **kwargs):
        envelopes = self.page.envelope_list
        if len(envelopes) == 1:
            return redirect(paper_ballot_url(envelopes[0]))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = dict(
            self.page.ballots.filter(channel=BallotChannel.PAPER)
            .values_list("envelope")
            .annotate(n=Count("pk"))
            .order_by()
        )
        context["page"] = self.page
        context["envelopes"] = [
            {
                "envelope": envelope,
                "amount": format_money(envelope.amount, self.page.currency),
                "paper_count": counts.get(envelope.pk, 0),
                "url": paper_ballot_url(envelope),
            }
            for envelope in self.page.envelope_list
        ]
        context["closed"] = phase_errors(self.page, BallotChannel.PAPER, timezone.now())
        return context


def paper_ballot_url(envelope):
    return reverse(
        "participation_budgets_admin:paper_ballot",
        kwargs={"page_id": envelope.page_id, "envelope_id": envelope.pk},
    )


class PaperBallotView(
    PaperBallotPermissionMixin, BudgetPageViewMixin, WagtailAdminTemplateMixin, TemplateView
):
    """One paper ballot at a time: checked and stored by ``cast_ballot``, then an empty form
    for the next one."""

    template_name = TEMPLATES + "paper_ballot.html"
    page_title = _("Enter paper ballots")
    header_icon = "form"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.envelope = get_object_or_404_by_id(
            BudgetEnvelope.objects.select_related("neighbourhood"),
            kwargs["envelope_id"],
            page=self.page,
        )

    def get_page_subtitle(self):
        return envelope_label(self.envelope)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {
                "url": reverse("participation_budgets_admin:paper_ballot_budgets"),
                "label": self.page_title,
            },
            {
                "url": reverse(
                    "participation_budgets_admin:paper_ballot_envelopes",
                    kwargs={"page_id": self.page.pk},
                ),
                "label": self.page.title,
            },
            {"url": "", "label": self.envelope.display_name},
        ]

    def get_form(self, data=None):
        return PaperBallotForm(
            data,
            projects=ballot_projects(self.page, self.envelope),
            currency=self.page.currency,
        )

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        paper = self.page.ballots.filter(envelope=self.envelope, channel=BallotChannel.PAPER)
        context.update(
            page=self.page,
            envelope=self.envelope,
            envelope_amount=format_money(self.envelope.amount, self.page.currency),
            rules=ballot_rules_summary(self.page, self.envelope),
            form=form or self.get_form(),
            closed=phase_errors(self.page, BallotChannel.PAPER, timezone.now()),
            paper_count=paper.count(),
            listing_url=listing_url(Ballot, envelope=self.envelope.pk, channel="paper"),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            reference = form.cleaned_data["paper_reference"].strip()
            try:
                with transaction.atomic():
                    ballot = cast_ballot(
                        self.page,
                        self.envelope,
                        form.cleaned_data["projects"],
                        channel=BallotChannel.PAPER,
                        entered_by=request.user,
                        paper_reference=reference,
                    )
                    log(
                        ballot,
                        PAPER_BALLOT_ACTION,
                        user=request.user,
                        data={
                            "paper_reference": reference,
                            "projects": [int(pk) for pk in form.cleaned_data["projects"]],
                        },
                    )
            except BallotRefused as refusal:
                for message in refusal.messages:
                    form.add_error(None, message)
            else:
                if reference:
                    message = _("Paper ballot No. %(number)s entered.") % {"number": reference}
                else:
                    message = _("Paper ballot entered (without a number).")
                messages.success(request, message)
                return redirect(request.path)
        messages.validation_error(request, _("This paper ballot was not entered."), form)
        return self.render_to_response(self.get_context_data(form=form))


# Results ---------------------------------------------------------------------------------------


def rule_label(rule):
    try:
        return ResultsRule(rule).label
    except ValueError:
        return rule


def results_table(data, page, edit_urls=None):
    """One envelope's results (``results.envelope_data`` or a published ``BudgetResult.data``)
    ready to show."""
    currency = data.get("currency") or page.currency
    budget = Decimal(data["budget"])
    spent = Decimal(data["spent"])
    edit_urls = edit_urls or {}
    return {
        "envelope": data["envelope"],
        "rule": rule_label(data["rule"]),
        "threshold": data.get("details", {}).get("threshold"),
        "ballots": data.get("ballots", 0),
        "budget": format_money(budget, currency),
        "spent": format_money(spent, currency),
        "left": format_money(budget - spent, currency),
        "selected_count": len(data["selected"]),
        "has_imported": any(item.get("imported_votes") for item in data["projects"]),
        "rows": [
            {
                "rank": item["rank"],
                "title": item.get("title", item["project_id"]),
                "edit_url": edit_urls.get(item.get("pk")),
                "online": item.get("online_votes", 0),
                "paper": item.get("paper_votes", 0),
                "imported": item.get("imported_votes", 0),
                "votes": item["votes"],
                "cost": format_money(item["cost"], currency),
                "selected": item["selected"],
                "reason": reason_text(item, data),
            }
            for item in data["projects"]
        ],
    }


def ballots_fingerprint(page):
    """Changes whenever a ballot is added or deleted: publication confirms what was shown."""
    figures = page.ballots.aggregate(count=Count("pk"), last=Max("pk"))
    return f"{figures['count']}-{figures['last'] or 0}"


def project_edit_urls(user, page):
    if not project_policy().user_has_permission(user, "change"):
        return {}
    try:
        return {
            pk: reverse("participation_budgetproject:edit", args=[pk])
            for pk in page.projects.values_list("pk", flat=True)
        }
    except NoReverseMatch:  # wagtail-modeladmin
        return {}


def add_project_url(user, page):
    """Where staff enter a project proposed on paper, its budget already chosen."""
    if not project_policy().user_has_permission(user, "add"):
        return ""
    try:
        return f"{reverse('participation_budgetproject:add')}?{urlencode({'page': page.pk})}"
    except NoReverseMatch:  # wagtail-modeladmin
        return ""


class ResultsPermissionMixin(BudgetPageViewMixin):
    publishing = False

    def dispatch(self, request, *args, **kwargs):
        if not can_see_results(request.user, self.page):
            raise Http404  # another team's budget
        if self.publishing and not can_publish_results(request.user, self.page):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ResultsIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = TEMPLATES + "results_index.html"
    page_title = _("Budget results")
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not may_edit_some_page(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        budgets = BudgetPage.objects.annotate(
            ballot_count=Count("ballots"), published=results_published_expression("pk")
        ).order_by("title", "pk")
        context["budgets"] = [
            {
                "page": page,
                "results_url": reverse("participation_budgets_admin:results", args=[page.pk]),
                "projects_url": listing_url(BudgetProject, page=page.pk),
            }
            for page in budgets
            if can_see_results(user, page)
        ]
        context["can_enter_paper_ballots"] = can_enter_paper_ballots(user)
        return context


class ResultsView(ResultsPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """The published results, or a preview computed now from every ballot."""

    template_name = TEMPLATES + "results.html"
    page_title = _("Budget results")
    header_icon = "table"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {
                "url": reverse("participation_budgets_admin:results_index"),
                "label": self.page_title,
            },
            {"url": "", "label": self.page.title},
        ]

    @cached_property
    def published(self):
        return self.page.published_results

    def envelope_results(self):
        """[results data per envelope], or an error message if they cannot be computed."""
        if self.published:
            return [result.data for result in self.published], ""
        try:
            return [envelope_data(self.page, r) for r in compute_results(self.page)], ""
        except (ResultsError, ValueError) as error:
            return [], str(error)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        data, error = self.envelope_results()
        edit_urls = project_edit_urls(user, self.page)
        now = timezone.now()
        context.update(
            page=self.page,
            tables=[results_table(d, self.page, edit_urls) for d in data],
            error=error,
            published=self.published,
            published_at=self.published[0].published_at if self.published else None,
            published_by=self.published[0].published_by if self.published else None,
            vote_open=self.page.vote_open(now),
            vote_has_ended=self.page.vote_has_ended(now),
            can_publish=can_publish_results(user, self.page),
            paper_ballots_url=(
                reverse("participation_budgets_admin:paper_ballot_envelopes", args=[self.page.pk])
                if can_enter_paper_ballots(user, self.page) and not self.published
                else ""
            ),
            ballots_url=listing_url(Ballot, page=self.page.pk),
            projects_url=listing_url(BudgetProject, page=self.page.pk),
            add_project_url=add_project_url(user, self.page),
        )
        return context


class ConfirmResultsView(ResultsView):
    """GET: what will happen, with a POST button; POST: do it and go back to the results."""

    template_name = TEMPLATES + "results_confirm.html"
    publishing = True

    def get_breadcrumbs_items(self):
        return super().get_breadcrumbs_items()[:-1] + [
            {
                "url": reverse("participation_budgets_admin:results", args=[self.page.pk]),
                "label": self.page.title,
            },
            {"url": "", "label": self.action_title},
        ]

    def get_page_title(self):
        return self.action_title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_title=self.action_title,
            action_url=self.request.path,
            fingerprint=ballots_fingerprint(self.page),
        )
        return context

    def post(self, request, *args, **kwargs):
        self.act(request)
        return redirect("participation_budgets_admin:results", self.page.pk)


class PublishResultsView(ConfirmResultsView):
    action_title = _("Publish the results")
    action = "publish"

    def act(self, request):
        if request.POST.get("fingerprint") != ballots_fingerprint(self.page):
            messages.error(
                request,
                _(
                    "Ballots were entered or deleted since you checked the results: check "
                    "them again before publishing."
                ),
            )
            return
        try:
            with transaction.atomic():
                results = publish_results(self.page, user=request.user)
                log(
                    self.page,
                    RESULTS_PUBLISH_ACTION,
                    user=request.user,
                    data={
                        "rule": self.page.results_rule,
                        "ballots": sum(r.ballot_count for r in results),
                        "selected": [
                            r.projects[key].pk for r in results for key in r.outcome.selected
                        ],
                    },
                )
        except ResultsError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The results of “%(title)s” are published.") % {"title": self.page.title},
            )


class WithdrawResultsView(ConfirmResultsView):
    action_title = _("Withdraw the results")
    action = "withdraw"

    def act(self, request):
        if not self.page.results_published:
            messages.error(request, _("The results of this budget are not published."))
            return
        with transaction.atomic():
            withdraw_published_results(self.page)
            log(self.page, RESULTS_WITHDRAW_ACTION, user=request.user)
        messages.success(
            request,
            _("The results of “%(title)s” are withdrawn: residents no longer see them.")
            % {"title": self.page.title},
        )


urlpatterns = [
    path("results/", ResultsIndexView.as_view(), name="results_index"),
    path("<int:page_id>/results/", ResultsView.as_view(), name="results"),
    path("<int:page_id>/results/publish/", PublishResultsView.as_view(), name="publish"),
    path("<int:page_id>/results/withdraw/", WithdrawResultsView.as_view(), name="withdraw"),
    path("paper-ballots/", PaperBallotBudgetsView.as_view(), name="paper_ballot_budgets"),
    path(
        "<int:page_id>/paper-ballots/",
        PaperBallotEnvelopesView.as_view(),
        name="paper_ballot_envelopes",
    ),
    path(
        "<int:page_id>/paper-ballots/<int:envelope_id>/",
        PaperBallotView.as_view(),
        name="paper_ballot",
    ),
]


# wagtail-modeladmin ----------------------------------------------------------------------------


@functools.cache
def _modeladmin_classes():
    from wagtail_modeladmin.helpers import PermissionHelper
    from wagtail_modeladmin.options import ModelAdmin

    class PolicyPermissionHelper(PermissionHelper):
        """wagtail-modeladmin asks the same permission policies as Wagtail's viewsets."""

        def _can(self, user, action):
            return policy_registry.get_by_type(self.model).user_has_permission(user, action)

        def user_can_list(self, user):
            return self._can(user, "view") or self._can(user, "change")

        def user_can_create(self, user):
            return self._can(user, "add")

        def user_can_inspect_obj(self, user, obj):
            return self.inspect_view_enabled and self.user_can_list(user)

        def user_can_edit_obj(self, user, obj):
            return self._can(user, "change")

        def user_can_delete_obj(self, user, obj):
            policy = policy_registry.get_by_type(self.model)
            return policy.user_has_permission_for_instance(user, "delete", obj)

    class BallotPermissionHelper(PolicyPermissionHelper):
        def user_can_create(self, user):
            return False  # paper ballots have their own screen, which applies the rules

    class ProjectModelAdmin(ModelAdmin):
        permission_helper_class = PolicyPermissionHelper
        edit_handler = project_edit_handler()
        export_filename = "budget-projects"

        def get_queryset(self, request):
            return annotate_projects(super().get_queryset(request))

        def get_list_export(self, request):
            return tuple(
                "page_title" if name == "page.title" else name
                for name in super().get_list_export(request)
            )

        def page_title(self, obj):
            return neutralise_formula(obj.page.title)

        page_title.short_description = _("Participatory budget")

    class BallotModelAdmin(ModelAdmin):
        permission_helper_class = BallotPermissionHelper

        def get_queryset(self, request):
            return annotate_ballots(super().get_queryset(request))

    return {"ProjectModelAdmin": ProjectModelAdmin, "BallotModelAdmin": BallotModelAdmin}


def __getattr__(name):
    # ProjectModelAdmin and BallotModelAdmin, for wagtail-modeladmin (an optional extra).
    classes = _modeladmin_classes() if name.endswith("ModelAdmin") else {}
    if name in classes:
        return classes[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
