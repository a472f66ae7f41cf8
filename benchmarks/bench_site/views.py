"""The bare baseline: a tiny form, then one row inserted per signed-in voter.

It goes through the same middleware (sessions in Redis, CSRF, authentication) as the ballot, so
that the difference between the two is the ballot's own work.
"""

from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.utils.html import escape
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

TABLE_SQL = """
create table if not exists bench_row (
    id bigserial primary key,
    voter integer not null unique,
    created timestamptz not null default now()
)
"""
FORM = (
    '<!doctype html><title>Insert</title><form method="post">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    '<button name="action" value="confirm">Insert</button></form>'
)


@csrf_protect
@never_cache
def insert(request):
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    if request.method != "POST":
        return HttpResponse(FORM.format(token=escape(get_token(request))))
    with transaction.atomic(), connection.cursor() as cursor:
        # A retry by the same voter is refused, like a second ballot.
        cursor.execute(
            "insert into bench_row (voter) values (%s) on conflict (voter) do nothing",
            [request.user.pk],
        )
        inserted = cursor.rowcount == 1
    if not inserted:
        return HttpResponse("Already inserted", status=409)
    return HttpResponseRedirect(request.path + "?done=1")
