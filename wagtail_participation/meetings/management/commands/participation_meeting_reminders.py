"""E-mail residents the day before a meeting they have a confirmed place at.

Run it every hour (see ``wagtail_participation.meetings.reminders``): each run reminds the
occurrences starting 24 to 25 hours after the start of the current hour.
"""

from django.core.management.base import BaseCommand

from wagtail_participation.meetings.reminders import reminder_window, send_reminders


class Command(BaseCommand):
    help = "E-mail the day-before reminders for meetings (run every hour)."

    def handle(self, *args, **options):
        start, end = reminder_window()
        count = send_reminders()
        self.stdout.write(f"{count} reminder(s) for meetings starting from {start} to {end}.")
