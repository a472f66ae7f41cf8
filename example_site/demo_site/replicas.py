"""Send anonymous visitors' page views to PostgreSQL read replicas, everything else to the primary.

A replica lags the primary by a moment, so it only serves requests that change nothing and show
no personal state: GET and HEAD requests without a session cookie. A resident who has just
voted, signed in or contributed carries a session, so they read their own writes from the
primary. Writes always go to the primary.
"""

import contextvars
import random

from django.conf import settings

_use_replica = contextvars.ContextVar("participation_use_replica", default=False)


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        anonymous_read = request.method in ("GET", "HEAD") and (
            settings.SESSION_COOKIE_NAME not in request.COOKIES
        )
        token = _use_replica.set(anonymous_read)
        try:
            return self.get_response(request)
        finally:
            _use_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _use_replica.get() and settings.REPLICA_ALIASES:
            return random.choice(settings.REPLICA_ALIASES)
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
