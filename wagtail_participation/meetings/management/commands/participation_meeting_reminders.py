"""E-mail residents the day before a meeting they have a confirmed place at.

Run it every hour (see ``wagtail_participation.meetings.reminders``): each run reminds the
confirmed places at occurrences starting within the next 24 hours, once each.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import ngettext

from wagtail_participation.meetings.reminders import reminder_window, send_reminders


class Command(BaseCommand):
    help = "E-mail the day-before reminders for meetings (run every hour)."

    def handle(self, *args, **options):
        now = timezone.now()
        _start, end = reminder_window(now)
        count = send_reminders(now)
        self.stdout.write(
            ngettext(
                "%(count)d reminder queued for meetings starting until %(end)s.",
                "%(count)d reminders queued for meetings starting until %(end)s.",
                count,
            )
            % {"count": count, "end": timezone.localtime(end).isoformat(timespec="minutes")}
        )
