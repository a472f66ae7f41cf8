"""Rate limits for residents' POSTs, counted in the shared cache so they hold across servers."""

import functools
import hashlib
import time

from django.core.cache import cache

from .conf import settings
from .templating import render_page

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate):
    """'10/m' -> (10, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period]


def rate_for(group):
    limits = settings.RATE_LIMITS
    return parse_rate(limits.get(group) or limits["default"])


def client_key(request):
    """Who is asking: the account if signed in, else the client address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        who = f"user:{user.pk}"
    else:
        who = f"ip:{client_address(request)}"
    return hashlib.sha256(who.encode()).hexdigest()[:32]


def client_address(request):
    """The resident's address: REMOTE_ADDR, or the entry of X-Forwarded-For that the last of
    PROXY_COUNT trusted proxies appended (entries further left can be forged by the client)."""
    proxies = settings.PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def hit(group, request, now=None):
    """Count one attempt; return the seconds to wait if the limit is exceeded, else 0."""
    count, period = rate_for(group)
    now = now or time.time()
    window = int(now // period)
    key = f"participation:ratelimit:{group}:{client_key(request)}:{window}"
    # add() then incr() is atomic on Redis and Memcached, so several servers share one count.
    cache.add(key, 0, timeout=period + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.add(key, 1, timeout=period + 1)
        used = 1
    if used > count:
        return int(period - (now % period)) + 1
    return 0


def too_many_requests(request, retry_after):
    response = render_page(
        request,
        "wagtail_participation/429.html",
        {"retry_after_minutes": max(1, (retry_after + 59) // 60)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def ratelimit_post(group):
    """Decorate a view so that its POSTs count against ``group``'s limit (answered with 429)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                retry_after = hit(group, request)
                if retry_after:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
