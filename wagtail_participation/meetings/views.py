"""The residents' side of committee calendars: upcoming list, month grid, past meetings, feeds.

Each view takes the page it is served from (see the routes on the page models). A calendar
shows its live, public descendant meetings (``ical.public_meetings()``), filtered by the query
string (``filters.MeetingFilterSet``). Occurrences are computed in Python from already-fetched
meetings (``recurrence.py``), so the month view, the lists and the feed run the same number of
queries for 10 or 1 000 meetings. Invalid months give a 404; invalid filters an empty result.
"""

from datetime import date, datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import date_format, get_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from wagtail.models import Page

from wagtail_participation.eligibility import account_url
from wagtail_participation.ratelimit import ratelimit_post
from wagtail_participation.templating import page_context, page_url, render_with_page, sub_url

from . import ical, recurrence, registrations
from .filters import MeetingFilterSet
from .models import (
    Attendance,
    LinkAudience,
    MeetingPage,
    Registration,
    RegistrationMode,
    RegistrationStatus,
)

TEMPLATES = "wagtail_participation/meetings/"
FILTER_NAMES = ("neighbourhood", "kind", "committee")
# The upcoming list covers the current month and the next ones, then links to the month view.
UPCOMING_MONTHS = 3
UPCOMING_PAGE_SIZE = 30
PAST_PAGE_SIZE = 20
# Occurrences listed on a meeting's page.
NEXT_OCCURRENCES = 6


def render(request, page, template, context, status=200):
    """Render with the page's context and the site's base template (these pages are not
    process pages, whose ``get_context()`` adds it)."""
    return render_with_page(request, page, template, page_context(**context), status=status)


# Querysets ------------------------------------------------------------------------------------


def calendar_meetings(calendar):
    """The live, public meetings under ``calendar``, occurrence changes prefetched."""
    if calendar.pk is None:  # the preview of a calendar never saved
        return MeetingPage.objects.none()
    return ical.public_meetings(MeetingPage.objects.descendant_of(calendar))


def overlapping(queryset, start, end):
    """Meetings that may have an occurrence in ``[start, end)``: a cheap filter in the
    database, made exact by ``recurrence.occurrences()``."""
    return queryset.filter(starts_at__lt=end).filter(
        Q(ends_at__gt=start)
        | (~Q(frequency="") & Q(repeat_until__gte=start.date() - timedelta(days=1)))
    )


def filtered_meetings(request, calendar):
    filterset = MeetingFilterSet(
        request.GET or None, queryset=calendar_meetings(calendar), calendar=calendar
    )
    return filterset, filterset.meetings


def filter_query(request):
    """The filters of the query string, to carry them over to other views' links."""
    return urlencode([(name, request.GET[name]) for name in FILTER_NAMES if request.GET.get(name)])


def with_query(url, query):
    return f"{url}?{query}" if query else url


# Occurrences as templates show them ---------------------------------------------------------


def meeting_urls(meetings, request):
    return {meeting.pk: page_url(meeting, request) for meeting in meetings}


def items(occurrences, urls):
    return [
        {
            "occurrence": occurrence,
            "meeting": occurrence.meeting,
            "url": urls[occurrence.meeting.pk],
        }
        for occurrence in occurrences
    ]


def by_day(entries):
    """``[(local date, [entries])]`` in order."""
    zone = recurrence.site_zone()
    days = []
    for entry in entries:
        day = entry["occurrence"].start.astimezone(zone).date()
        if not days or days[-1][0] != day:
            days.append((day, []))
        days[-1][1].append(entry)
    return days


def month_link(calendar, year_month, request, query):
    if year_month is None:
        return None
    year, month = year_month
    return {
        "url": with_query(sub_url(calendar, "month_view", year, month, request=request), query),
        "label": date_format(date(year, month, 1), "YEAR_MONTH_FORMAT"),
    }


def first_weekday():
    """The first day of the week of the active language, Monday being 0 (Django counts from
    Sunday)."""
    return (int(get_format("FIRST_DAY_OF_WEEK")) - 1) % 7


def calendar_context(request, calendar, filterset):
    query = filter_query(request)
    return {
        "calendar": calendar,
        "filter": filterset,
        "filters_applied": filterset.filters_applied,
        "filter_query": query,
        "upcoming_url": with_query(page_url(calendar, request), query),
        "past_url": with_query(sub_url(calendar, "past_meetings", request=request), query),
        "this_month_url": month_link(
            calendar, (timezone.localdate().year, timezone.localdate().month), request, query
        )["url"],
        "ics_url": with_query(sub_url(calendar, "calendar_ics", request=request), query),
    }


# Calendar views -------------------------------------------------------------------------------


def upcoming(request, calendar):
    """The occurrences from now to the end of the third month, by day, paginated."""
    filterset, meetings = filtered_meetings(request, calendar)
    now = timezone.now()
    today = timezone.localdate(now)
    last_year, last_month = today.year, today.month
    for _step in range(UPCOMING_MONTHS):
        following = recurrence.adjacent_months(last_year, last_month)[1]
        if following is None:
            break
        last_year, last_month = following
    end = recurrence.month_bounds(last_year, last_month)[0]
    meetings = list(overlapping(meetings, now, end))
    occurrences = recurrence.occurrences_between(meetings, now, end)
    paginator = Paginator(occurrences, UPCOMING_PAGE_SIZE)
    page_of_results = paginator.get_page(request.GET.get("page"))
    entries = items(page_of_results.object_list, meeting_urls(meetings, request))
    context = calendar_context(request, calendar, filterset)
    query = context["filter_query"]
    context.update(
        {
            "days": by_day(entries),
            "paginator": paginator,
            "page_of_results": page_of_results,
            "query_without_page": query,
            "until": end.date() - timedelta(days=1),
            "next_months_link": month_link(calendar, (last_year, last_month), request, query),
            "filter_errors": filterset.is_bound and not filterset.is_valid(),
        }
    )
    return render(request, calendar, TEMPLATES + "calendar_page.html", context)


def month_view(request, calendar, year, month):
    """A month as a table of weeks, each day with its occurrences."""
    try:
        year, month = recurrence.parse_month(year, month)
    except ValueError as error:
        raise Http404 from error
    filterset, meetings = filtered_meetings(request, calendar)
    zone = recurrence.site_zone()
    weeks = recurrence.month_grid(year, month, [], first_weekday())
    start = datetime.combine(weeks[0][0].date, time.min, tzinfo=zone)
    end = datetime.combine(weeks[-1][-1].date + timedelta(days=1), time.min, tzinfo=zone)
    meetings = list(overlapping(meetings, start, end))
    urls = meeting_urls(meetings, request)
    occurrences = recurrence.occurrences_between(meetings, start, end)
    weeks = recurrence.month_grid(year, month, occurrences, first_weekday())
    today = timezone.localdate()
    grid = [
        [
            {
                "date": day.date,
                "in_month": day.in_month,
                "is_today": day.date == today,
                "items": items(day.occurrences, urls),
            }
            for day in week
        ]
        for week in weeks
    ]
    week_start = first_weekday()
    weekdays = [
        {
            "name": WEEKDAYS[(week_start + offset) % 7],
            "abbr": WEEKDAYS_ABBR[(week_start + offset) % 7],
        }
        for offset in range(7)
    ]
    context = calendar_context(request, calendar, filterset)
    query = context["filter_query"]
    previous, following = recurrence.adjacent_months(year, month)
    in_month = [
        entry
        for entry in items(occurrences, urls)
        if entry["occurrence"].start.astimezone(zone).month == month
    ]
    context.update(
        {
            "month_label": date_format(date(year, month, 1), "YEAR_MONTH_FORMAT"),
            "weeks": grid,
            "weekdays": weekdays,
            "previous_month": month_link(calendar, previous, request, query),
            "next_month": month_link(calendar, following, request, query),
            "month_days": by_day(in_month),
            "filter_errors": filterset.is_bound and not filterset.is_valid(),
        }
    )
    return render(request, calendar, TEMPLATES + "month.html", context)


def past(request, calendar):
    """Meetings that have started, the most recent first, with their minutes."""
    filterset, meetings = filtered_meetings(request, calendar)
    now = timezone.now()
    meetings = meetings.filter(starts_at__lt=now).order_by("-starts_at", "pk")
    paginator = Paginator(meetings, PAST_PAGE_SIZE)
    page_of_results = paginator.get_page(request.GET.get("page"))
    rows = []
    for meeting in page_of_results.object_list:
        last = recurrence.occurrences(meeting, None, now)
        rows.append(
            {
                "meeting": meeting,
                "url": page_url(meeting, request),
                "last": last[-1] if last else None,
                "recurrence": describe_recurrence(meeting),
                "has_minutes": bool(meeting.minutes),
            }
        )
    context = calendar_context(request, calendar, filterset)
    context.update(
        {
            "rows": rows,
            "paginator": paginator,
            "page_of_results": page_of_results,
            "query_without_page": context["filter_query"],
            "filter_errors": filterset.is_bound and not filterset.is_valid(),
        }
    )
    return render(request, calendar, TEMPLATES + "past.html", context)


def ics_response(content, filename, attachment=False):
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def calendar_ics(request, calendar):
    """The calendar's meetings as an iCalendar feed, with the filters of the query string."""
    _filterset, meetings = filtered_meetings(request, calendar)
    name = calendar.committee_name or calendar.title
    content = ical.calendar_feed(
        meetings.order_by("starts_at", "pk"),
        name,
        lambda meeting: meeting.get_full_url(request),
    )
    return ics_response(content, "calendar.ics")


# Meeting views --------------------------------------------------------------------------------


def describe_recurrence(meeting):
    """The meeting's repetition in words: "Every month on the first Tuesday, until 30 June
    2026"; an empty string when it does not repeat."""
    spec = recurrence.recurrence_spec(meeting)
    if spec is None:
        return ""
    weekday = WEEKDAYS[spec.weekday]
    until = date_format(spec.until, "DATE_FORMAT")
    values = {"n": spec.interval, "weekday": weekday, "day": spec.monthday, "until": until}
    if spec.frequency == recurrence.WEEKLY:
        rule = ngettext(
            "Every week on %(weekday)s", "Every %(n)s weeks on %(weekday)s", spec.interval
        )
    elif spec.frequency == recurrence.MONTHLY_DAY:
        rule = ngettext(
            "Every month on day %(day)s", "Every %(n)s months on day %(day)s", spec.interval
        )
    else:
        ordinal = {
            1: _("first"),
            2: _("second"),
            3: _("third"),
            4: _("fourth"),
        }.get(spec.nth, _("last"))
        values["ordinal"] = ordinal
        rule = ngettext(
            "Every month on the %(ordinal)s %(weekday)s",
            "Every %(n)s months on the %(ordinal)s %(weekday)s",
            spec.interval,
        )
    return _("%(rule)s, until %(until)s") % {"rule": rule % values, "until": until}


def public_related_page(meeting):
    if not meeting.related_page_id:
        return None
    return Page.objects.live().public().filter(pk=meeting.related_page_id).specific().first()


def meeting_detail(request, meeting, registration_errors=(), status=200):
    now = timezone.now()
    upcoming_occurrences = recurrence.occurrences(meeting, now, limit=NEXT_OCCURRENCES)
    first_start, _first_end = recurrence.first_span(meeting)
    online_url = ""
    online_for_registered = False
    if meeting.attendance != Attendance.IN_PERSON and meeting.online_url:
        if meeting.online_link_audience == LinkAudience.EVERYONE:
            online_url = meeting.online_url
        else:
            online_for_registered = True
    calendar = meeting.get_parent().specific
    context = {
        "meeting": meeting,
        "calendar": calendar,
        "calendar_url": page_url(calendar, request),
        "recurrence_text": describe_recurrence(meeting),
        "next_occurrences": upcoming_occurrences,
        "has_started": first_start <= now,
        "online_url": online_url,
        "online_for_registered": online_for_registered,
        "related_page": public_related_page(meeting),
        "documents": [block.value for block in meeting.documents if block.value],
        "ics_url": sub_url(meeting, "event_ics", request=request),
    }
    context.update(registration_context(request, meeting, upcoming_occurrences, now))
    if online_for_registered and any(
        row["registration"] is not None
        and row["registration"].status == RegistrationStatus.CONFIRMED
        for row in context["registration_rows"]
    ):
        context["online_url"] = meeting.online_url  # the visitor has a confirmed place
    context["registration_errors"] = [str(message) for message in registration_errors]
    response = render(request, meeting, TEMPLATES + "meeting_page.html", context, status=status)
    if meeting.registration == RegistrationMode.ON_SITE:
        # The page shows the visitor's own registrations: no shared cache may keep it.
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
    return response


def meeting_ics(request, meeting):
    content = ical.meeting_ics(meeting, meeting.get_full_url(request))
    return ics_response(content, "event.ics", attachment=True)


# Registration ---------------------------------------------------------------------------------

OCCURRENCE_FIELD = "occurrence"


def registration_context(request, meeting, upcoming_occurrences, now):
    """What the registration block of a meeting page shows: per occurrence, the places left,
    the waiting list and the visitor's own registration."""
    mode = meeting.registration
    context = {
        "registration_mode": mode,
        "registration_rows": [],
        "register_url": "",
        "cancel_url": "",
        "login_url": "",
        "occurrence_field": OCCURRENCE_FIELD,
    }
    if mode != RegistrationMode.ON_SITE:
        return context
    starts = [occurrence.start for occurrence in upcoming_occurrences]
    counts = {}
    for row in (
        Registration.objects.filter(meeting=meeting, occurrence_start__in=starts)
        .exclude(status=RegistrationStatus.CANCELLED)
        .values("occurrence_start", "status")
        .annotate(count=Count("pk"))
    ):
        counts[(row["occurrence_start"], row["status"])] = row["count"]
    own = {}
    user = request.user
    if user.is_authenticated:
        for registration in Registration.objects.filter(
            meeting=meeting, occurrence_start__in=starts, user=user
        ).exclude(status=RegistrationStatus.CANCELLED):
            own[registration.occurrence_start] = registration
    rows = []
    for occurrence in upcoming_occurrences:
        confirmed = counts.get((occurrence.start, RegistrationStatus.CONFIRMED), 0)
        registration = own.get(occurrence.start)
        rows.append(
            {
                "occurrence": occurrence,
                "value": occurrence.start.isoformat(),
                "open": not occurrence.cancelled and occurrence.start > now,
                "places_left": None
                if meeting.capacity is None
                else max(0, meeting.capacity - confirmed),
                "waiting": counts.get((occurrence.start, RegistrationStatus.WAITING), 0),
                "registration": registration,
                "position": registrations.waiting_position(registration)
                if registration is not None
                else None,
            }
        )
    context.update(
        {
            "registration_rows": rows,
            "register_url": sub_url(meeting, "register_for_occurrence", request=request),
            "cancel_url": sub_url(meeting, "cancel_occurrence_registration", request=request),
            "login_url": ""
            if user.is_authenticated
            else account_url("login", page_url(meeting, request)),
        }
    )
    return context


def posted_occurrence(request):
    """The aware occurrence start of the form, or None when it is not a valid one."""
    value = request.POST.get(OCCURRENCE_FIELD, "").strip()
    if not value or len(value) > 40:
        return None
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        return None
    return start if timezone.is_aware(start) else None


REFUSAL_STATUS = {"sign_in": 403, "profile_incomplete": 403, "already_registered": 409}


def refused(request, meeting, refusal):
    status = REFUSAL_STATUS.get(refusal.code, 400)
    return meeting_detail(request, meeting, refusal.messages, status=status)


@csrf_protect
@ratelimit_post("meeting_registration")
@never_cache
def register_view(request, meeting):
    """POST: register the signed-in resident for one occurrence, then back to the page."""
    if request.method != "POST":
        return HttpResponseRedirect(page_url(meeting, request))
    start = posted_occurrence(request)
    try:
        if start is None:
            raise registrations.RegistrationRefused(
                [_("This meeting does not take place at that date.")], "unknown_occurrence"
            )
        registrations.register(meeting, start, request.user)
    except registrations.RegistrationRefused as refusal:
        return refused(request, meeting, refusal)
    return HttpResponseRedirect(page_url(meeting, request) + "#participation-registration")


@csrf_protect
@ratelimit_post("meeting_registration")
@never_cache
def cancel_view(request, meeting):
    """POST: cancel the signed-in resident's registration for one occurrence."""
    if request.method != "POST":
        return HttpResponseRedirect(page_url(meeting, request))
    start = posted_occurrence(request)
    registration = None
    if start is not None and request.user.is_authenticated:
        registration = (
            Registration.objects.filter(meeting=meeting, occurrence_start=start, user=request.user)
            .exclude(status=RegistrationStatus.CANCELLED)
            .first()
        )
    try:
        if not request.user.is_authenticated:
            raise registrations.RegistrationRefused(
                [_("Sign in to manage your registrations.")], "sign_in"
            )
        if registration is None:
            raise registrations.RegistrationRefused(
                [_("You are not registered for this meeting.")], "not_registered"
            )
        registrations.cancel_registration(registration)
    except registrations.RegistrationRefused as refusal:
        return refused(request, meeting, refusal)
    return HttpResponseRedirect(page_url(meeting, request) + "#participation-registration")
