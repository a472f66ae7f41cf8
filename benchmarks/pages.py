"""Measure the public pages at one scale: queries per request and median server time.

    python benchmarks/pages.py small|large OUT.json     (DATABASE_URL and REDIS_URL set)

Run by ``benchmarks/run.py`` in a fresh PostgreSQL database per scale. The site is built by
``generate.py``; each page is then requested through Django's whole stack (middleware, URL
routing, Wagtail's page serving, templates) with Django's test client, in this process, so the
time is the server's own, without network or browser.

For each page, two states of the shared cache (Redis):
- "fresh": the page's cached fragments were just invalidated, as after a publication, a new
  contribution or a ballot: the first visitor afterwards pays this;
- "cached": what every other visitor gets until the next change.
The time of each is the median of REPEAT requests; the ratio compares it to the bare Wagtail
page (the example site's home page: a title, an intro and one query, with the same base
template), measured in the same run.
"""

import json
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

REPEAT = {"small": 5, "large": 25}


def measure(client, url, repeat, before=None):
    """(query count of one request, median seconds over ``repeat`` requests)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if before:
        before()
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}, not 200")
    if before:
        before()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    query_count = len(queries)  # before the next requests reset Django's query log
    times = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append(time.perf_counter() - started)
    return query_count, statistics.median(times)


def main(scale, out):
    import os

    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
    generate.setup_django()

    from django.core.management import call_command
    from django.test import Client

    from wagtail_participation import caching

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    pages = generate.generate(scale, log=lambda line: print(line, file=sys.stderr))
    generated = time.perf_counter() - started

    voter = generate.bench_residents()[0]
    results = {}
    for name, url in pages.items():
        client = Client()
        if name == "ballot page":
            client.force_login(voter)
        fresh_queries, fresh_time = measure(
            client, url, REPEAT[scale], before=caching.invalidate_everything
        )
        cached_queries, cached_time = measure(client, url, REPEAT[scale])
        results[name] = {
            "url": url,
            "queries_fresh": fresh_queries,
            "queries_cached": cached_queries,
            "median_ms_fresh": round(fresh_time * 1000, 2),
            "median_ms_cached": round(cached_time * 1000, 2),
        }
        print(
            f"  {name}: {fresh_queries}/{cached_queries} queries, "
            f"{fresh_time * 1000:.1f}/{cached_time * 1000:.1f} ms",
            file=sys.stderr,
        )
    bare = results["bare Wagtail page"]
    for figures in results.values():
        figures["ratio_fresh"] = round(figures["median_ms_fresh"] / bare["median_ms_fresh"], 2)
        figures["ratio_cached"] = round(figures["median_ms_cached"] / bare["median_ms_cached"], 2)
    Path(out).write_text(
        json.dumps({"scale": scale, "generated_s": round(generated, 1), "pages": results}, indent=2)
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
