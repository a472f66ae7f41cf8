"""Wagtail admin screens to announce and perform draws by lot, at /admin/participation/draws/.

Editors who may moderate contributions (``participation_consultations.moderate_contribution``)
or superusers see the consultations they may edit in the page tree (see
``wagtail_participation.staff``) with their draws, announce a draw (title and number of
contributions: the seed's hash is public at once) and perform it later with a POST button.
Both actions are recorded in Wagtail's audit log.

Importing this module registers the hooks: the app's ``wagtail_hooks.py`` imports it.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView, View
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from wagtail_participation import staff
from wagtail_participation.forms import is_possible_id

from . import draw as draws
from .models import ConsultationPage, Draw

PERMISSION = "participation_consultations.moderate_contribution"
MAX_DRAW_COUNT = 10000


def can_manage_draws(user):
    return user.is_active and (user.is_superuser or user.has_perm(PERMISSION))


class DrawPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_manage_draws(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def managed_consultations(user):
    """The consultations whose draws ``user`` may see, announce and perform."""
    return staff.managed(ConsultationPage.objects.all(), user, "pk")


def managed_page_or_404(user, page_id):
    """Another team's consultation is not found, as one that does not exist."""
    if not is_possible_id(page_id):
        raise Http404
    return get_object_or_404(managed_consultations(user), pk=page_id)


class AnnounceDrawForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=150,
        help_text=_("For example: “Ideas presented to the neighbourhood committee”."),
    )
    count = forms.IntegerField(
        label=_("Number of contributions to draw"), min_value=1, max_value=MAX_DRAW_COUNT
    )


class DrawIndexView(DrawPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "wagtail_participation/consultations/admin/draws_index.html"
    page_title = _("Draws by lot")
    header_icon = "resubmit"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["consultations"] = (
            managed_consultations(self.request.user)
            .annotate(draw_count=Count("draws"))
            .order_by("title")
        )
        return context


class PageDrawsView(DrawPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "wagtail_participation/consultations/admin/draws_page.html"
    header_icon = "resubmit"

    def dispatch(self, request, *args, **kwargs):
        # The permission first (403), then the page among those this member of staff edits.
        if can_manage_draws(request.user):
            self.page = managed_page_or_404(request.user, kwargs["page_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Draws by lot")

    def get_page_subtitle(self):
        return self.page.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("participation_draws:index"), "label": _("Draws by lot")},
            {"url": "", "label": self.page.title},
        ]

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page=self.page,
            draws=self.page.draws.all(),
            form=form or AnnounceDrawForm(),
            contributions_open=self.page.contributions_open(),
            published_count=self.page.published_contributions().count(),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = AnnounceDrawForm(request.POST)
        if not form.is_valid():
            messages.validation_error(request, _("The draw could not be announced."), form)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        draw = draws.announce(
            self.page, form.cleaned_data["title"], form.cleaned_data["count"], user=request.user
        )
        messages.success(
            request,
            _("Draw “%(title)s” announced. The SHA-256 of its seed is public: %(hash)s")
            % {"title": draw.title, "hash": draw.seed_hash},
        )
        return redirect("participation_draws:page", page_id=self.page.pk)


@method_decorator(require_POST, name="dispatch")
class PerformDrawView(DrawPermissionMixin, View):
    def post(self, request, pk):
        draw = get_object_or_404(Draw.objects.select_related("page"), pk=pk)
        if not staff.may_manage(request.user, draw.page):
            raise Http404
        try:
            draws.perform(draw, user=request.user)
        except draws.DrawError as error:
            messages.error(request, str(error))
        else:
            candidates = len(draw.candidates)
            if draws.drew_everyone(draw):
                message = ngettext(
                    "Draw “%(title)s” performed: there was %(candidates)d published "
                    "contribution for %(count)d places, so it is drawn.",
                    "Draw “%(title)s” performed: there were %(candidates)d published "
                    "contributions for %(count)d places, so all of them are drawn.",
                    candidates,
                )
            else:
                message = ngettext(
                    "Draw “%(title)s” performed: %(count)d contribution drawn among "
                    "%(candidates)d. The seed and the result are now public.",
                    "Draw “%(title)s” performed: %(count)d contributions drawn among "
                    "%(candidates)d. The seed and the result are now public.",
                    draw.count,
                )
            messages.success(
                request,
                message % {"title": draw.title, "count": draw.count, "candidates": candidates},
            )
        return redirect("participation_draws:page", page_id=draw.page_id)


urlpatterns = [
    path("", DrawIndexView.as_view(), name="index"),
    path("<int:page_id>/", PageDrawsView.as_view(), name="page"),
    path("perform/<int:pk>/", PerformDrawView.as_view(), name="perform"),
]


@hooks.register("register_admin_urls")
def register_draw_admin_urls():
    return [
        path(
            "participation/draws/",
            include((urlpatterns, "participation_draws"), namespace="participation_draws"),
        )
    ]


@hooks.register("register_log_actions")
def register_draw_log_actions(actions):
    actions.register_action(
        draws.ANNOUNCE_ACTION, _("Announce a draw by lot"), _("Draw by lot announced")
    )
    actions.register_action(
        draws.PERFORM_ACTION, _("Perform a draw by lot"), _("Draw by lot performed")
    )


class DrawsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_manage_draws(request.user)


@hooks.register("register_admin_menu_item")
def register_draws_menu_item():
    return DrawsMenuItem(
        _("Draws by lot"), reverse("participation_draws:index"), icon_name="pick", order=260
    )
