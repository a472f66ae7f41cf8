"""iCalendar (RFC 5545) feeds of meetings, written with the ``icalendar`` library.

What the feeds contain:

- One VEVENT per meeting, its UID stable: ``meeting-<page id>@<domain>``, the domain being the
  host of the meeting's absolute URL (``page.get_full_url(request)``), else the ``domain``
  argument, else ``wagtail-participation``. Regenerating a feed never changes a UID.
- DTSTART/DTEND in the site's zone (``TZID=Europe/Paris``) and a VTIMEZONE for that zone;
  X-WR-TIMEZONE names it for clients that read it.
- A repeating meeting: RRULE (built from ``recurrence.recurrence_spec()``, the same rule the
  site's month view expands), UNTIL in UTC as RFC 5545 requires with a TZID start.
- **A cancelled occurrence is a RECURRENCE-ID override with STATUS:CANCELLED**, not an EXDATE:
  an EXDATE makes the occurrence vanish from residents' calendars without a word, whereas the
  site keeps cancelled meetings on its calendar, marked as cancelled, with the editors' note.
  Clients that understand STATUS:CANCELLED strike the occurrence through or hide it; for those
  that ignore it, the SUMMARY starts with "Cancelled:". An occurrence with a note is an override
  too, the note first in its DESCRIPTION.
- **An excluded occurrence is an EXDATE**: a date the series skips, planned ahead (school
  holidays), which the site's calendar does not show either.
- A cancelled meeting: STATUS:CANCELLED (its occurrences too), the reason in DESCRIPTION.
- SUMMARY: title and kind (unless the title names it); DESCRIPTION: plain text (the agenda
  with its HTML removed, a link to the page); LOCATION: the address; GEO when the coordinates
  are known; URL back to the page; CATEGORIES: the kind. The online link appears (DESCRIPTION,
  or LOCATION for an online-only meeting) only when its audience is "everyone".
- DTSTAMP and LAST-MODIFIED: the last publication (``last_published_at``), else now.

Text is escaped by ``icalendar`` (commas, semicolons, backslashes, newlines), the calendar's
name and description too (``vText``): an editor's line break never starts a property.

The functions take already-fetched pages and run no query of their own: **views must select the
meetings with ``public_meetings()``**, so that drafts, private pages (view restrictions on the
meeting or an ancestor) and deleted meetings never reach a feed, and the occurrence changes are
prefetched (the same number of queries for 10 or 1 000 meetings).
"""

import copy
import functools
import html
import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext
from icalendar import Calendar, Event, Timezone, vDuration, vText

from . import recurrence

PRODID = "-//wagtail-participation//Meeting calendar//EN"
FALLBACK_DOMAIN = "wagtail-participation"
REFRESH_INTERVAL = timedelta(hours=1)
# A VTIMEZONE spans the years of the events it serves, up to this many years.
MAX_TIMEZONE_YEARS = 30


def public_meetings(queryset=None):
    """The meetings a public list, calendar or feed may show: live, public, changes prefetched.

    ``queryset`` defaults to every ``MeetingPage``; narrow it first (``.child_of(calendar)``,
    ``.descendant_of(site_root)``). Deleted meetings are gone from the table; drafts and
    unpublished or expired pages are not ``live``; ``public()`` drops pages under a view
    restriction (password, login, groups) on themselves or an ancestor.
    """
    if queryset is None:
        # Imported here (and in _online_link) so that models.py may import this module.
        from .models import MeetingPage

        queryset = MeetingPage.objects.all()
    return queryset.live().public().prefetch_related("occurrence_changes")


def meeting_uid(meeting, domain=None):
    return f"meeting-{meeting.pk}@{domain or FALLBACK_DOMAIN}"


def _domain(url, domain):
    if domain:
        return domain
    host = urlsplit(url or "").hostname
    return host or FALLBACK_DOMAIN


_BLOCK_END = re.compile(r"</(p|div|h[1-6]|li|blockquote|pre|tr|ul|ol)\s*>|<br\s*/?>", re.I)
_LIST_ITEM = re.compile(r"<li(\s[^>]*)?>", re.I)


def html_to_text(value):
    """Rich text as plain text: paragraphs and list items on their own lines, entities decoded.

    Internal links are not expanded (that would query the database for each one): their text
    stays, the target goes.
    """
    if not value:
        return ""
    text = _LIST_ITEM.sub("- ", _BLOCK_END.sub("\n", str(value)))
    text = html.unescape(strip_tags(text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _online_link(meeting):
    from .models import Attendance, LinkAudience

    if meeting.attendance == Attendance.IN_PERSON or not meeting.online_url:
        return None
    return meeting.online_url if meeting.online_link_audience == LinkAudience.EVERYONE else ""


def _summary(meeting, cancelled):
    kind = str(meeting.get_kind_display())
    summary = meeting.title
    if kind.casefold() not in summary.casefold():  # not "Café-débat (Café-débat)"
        summary = gettext("%(title)s (%(kind)s)") % {"title": summary, "kind": kind}
    if cancelled:
        summary = gettext("Cancelled: %(title)s") % {"title": summary}
    return summary


def _description(meeting, url, note="", cancelled=False):
    parts = []
    if note:
        parts.append(note)
    if cancelled and meeting.cancelled and meeting.cancellation_note:
        parts.append(meeting.cancellation_note)
    agenda = html_to_text(meeting.agenda)
    if agenda:
        parts.append(agenda)
    link = _online_link(meeting)
    if link:
        parts.append(gettext("Online: %(url)s") % {"url": link})
    elif link == "":
        parts.append(gettext("The online link is sent to registered residents."))
    if url:
        parts.append(gettext("More information: %(url)s") % {"url": url})
    return "\n\n".join(parts)


def _stamp(meeting):
    published = meeting.last_published_at or timezone.now()
    return published.astimezone(UTC).replace(microsecond=0)


def _event(meeting, url, uid, start, end, cancelled, note=""):
    event = Event()
    event.add("UID", uid)
    event.add("DTSTAMP", _stamp(meeting))
    if meeting.last_published_at:
        event.add("LAST-MODIFIED", _stamp(meeting))
    event.add("DTSTART", start)
    event.add("DTEND", end)
    event.add("SUMMARY", _summary(meeting, cancelled))
    description = _description(meeting, url, note=note, cancelled=cancelled)
    if description:
        event.add("DESCRIPTION", description)
    link = _online_link(meeting)
    if meeting.address:
        event.add("LOCATION", meeting.address)
    elif link:
        event.add("LOCATION", link)
    if meeting.latitude is not None and meeting.longitude is not None:
        event.add("GEO", (float(meeting.latitude), float(meeting.longitude)))
    if url:
        event.add("URL", url)
    event.add("CATEGORIES", [meeting.get_kind_display()])
    event.add("CLASS", "PUBLIC")
    event.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _occurrence_event(meeting, url, uid, occurrence):
    return _event(
        meeting,
        url,
        uid,
        occurrence.start,
        occurrence.end,
        occurrence.cancelled,
        occurrence.note,
    )


def meeting_events(meeting, url, domain=None):
    """The VEVENTs of one meeting: the event (with its RRULE), then one per changed occurrence.

    ``url`` is the absolute URL of the meeting's page; its host makes the UID's domain unless
    ``domain`` is given.
    """
    uid = meeting_uid(meeting, _domain(url, domain))
    spec = recurrence.recurrence_spec(meeting)
    if spec is None:
        (occurrence,) = recurrence.occurrences(meeting)
        return [_occurrence_event(meeting, url, uid, occurrence)]
    zone = recurrence.site_zone()
    start, end = recurrence.first_span(meeting)
    master = _event(meeting, url, uid, start, end, bool(meeting.cancelled))
    rule = {"FREQ": "WEEKLY" if spec.frequency == recurrence.WEEKLY else "MONTHLY"}
    if spec.interval > 1:
        rule["INTERVAL"] = spec.interval
    if spec.frequency == recurrence.MONTHLY_DAY:
        rule["BYMONTHDAY"] = spec.monthday
    else:
        rule["BYDAY"] = spec.ical_byday
    rule["UNTIL"] = datetime.combine(spec.until, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
    master.add("RRULE", rule)
    exdates = recurrence.excluded_starts(meeting)
    if exdates:
        master.add("EXDATE", exdates)
    events = [master]
    for change in sorted(meeting.occurrence_changes.all(), key=lambda change: change.date):
        if change.excluded or not (change.cancelled or change.note):
            continue
        occurrence = recurrence.occurrence_on(meeting, change.date)
        if occurrence is None:
            continue  # a date the rule never reaches: nothing to change
        override = _occurrence_event(meeting, url, uid, occurrence)
        override.add("RECURRENCE-ID", occurrence.start)
        events.append(override)
    return events


@functools.lru_cache(maxsize=32)
def _timezone_component(tzid, first_date, last_date):
    return Timezone.from_tzid(tzid, first_date=first_date, last_date=last_date)


def _timezone_years(meetings):
    zone = recurrence.site_zone()
    years = set()
    for meeting in meetings:
        years.add(meeting.starts_at.astimezone(zone).year)
        if meeting.frequency and meeting.repeat_until:
            years.add(meeting.repeat_until.year)
    if not years:
        years.add(timezone.localdate().year)
    first = min(years)
    last = min(max(years), first + MAX_TIMEZONE_YEARS)
    # One more year: a meeting may end after New Year's Eve.
    return date(first, 1, 1), date(last + 2, 1, 1)


def calendar_feed(meetings, name, url_for, domain=None, description=""):
    """A VCALENDAR of ``meetings`` as bytes, ready for a ``text/calendar`` response.

    ``meetings``: already-fetched pages from ``public_meetings()``; the caller chooses them.
    ``url_for(meeting)``: the absolute URL of a meeting's page.
    """
    meetings = list(meetings)
    zone = recurrence.site_zone()
    tzid = getattr(zone, "key", None) or str(zone)
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    # icalendar escapes the text of the properties it knows; these calendar properties it
    # writes as given, so they are escaped here (a line break would start a property of its
    # own). A name is one line.
    name = vText(" ".join(str(name).split()))
    cal.add("NAME", name)
    cal.add("X-WR-CALNAME", name)
    if description:
        cal.add("DESCRIPTION", vText(description))
        cal.add("X-WR-CALDESC", vText(description))
    cal.add("X-WR-TIMEZONE", tzid)
    cal.add("REFRESH-INTERVAL", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    if tzid != "UTC":
        first_date, last_date = _timezone_years(meetings)
        cal.add_component(copy.deepcopy(_timezone_component(tzid, first_date, last_date)))
    for meeting in meetings:
        for event in meeting_events(meeting, url_for(meeting), domain):
            cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def meeting_ics(meeting, url, domain=None):
    """A VCALENDAR of one meeting (``.ics`` download), as bytes."""
    return calendar_feed([meeting], meeting.title, lambda _meeting: url, domain)
