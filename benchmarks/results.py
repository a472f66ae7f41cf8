"""Time real elections: the import of a Pabulib file, then its results computed from the database.

    python benchmarks/results.py OUT.json [--smoke]     (DATABASE_URL and REDIS_URL set)

Run by ``benchmarks/run.py`` in a fresh PostgreSQL database. For each election:
- the whole ``participation_import_pabulib`` command (read and check the file, store the page,
  projects and every ballot, compute and publish the results), timed once;
- ``compute_results(page)``, as ``participation_results`` and the admin's results screen run
  it, from the stored ballots: the median of three runs;
- the peak memory of that computation, measured in a separate run with ``tracemalloc`` (the
  Python objects it allocates); the process's peak resident size (import included) is given
  for context.

Elections: greedy on Łódź 2023 (70 747 ballots) and equal shares on Wieliczka 2023 (6 586
ballots, the Method of Equal Shares with 164 raises of the share); ``--smoke`` runs Toulouse
Saint-Cyprien 2022 (436 ballots) only.
"""

import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

ELECTIONS = [
    ("greedy on Łódź 2023", "Poland_Lodz_2023.pb", "greedy"),
    ("equal shares on Wieliczka 2023", "Poland_Wieliczka_2023_Green_Budget.pb", "equal-shares"),
]
SMOKE = [
    ("greedy on Toulouse Saint-Cyprien 2022", "France_Toulouse_2022_6_-_Saint-Cyprien.pb", None),
]


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name, filename, expected_rule):
    from django.core.management import call_command

    from wagtail_participation.budgets import pabulib
    from wagtail_participation.budgets.models import Ballot, BudgetPage
    from wagtail_participation.budgets.results import compute_results

    path = generate.election_path(filename)
    election = pabulib.parse_file(path)
    started = time.perf_counter()
    call_command("participation_import_pabulib", str(path), stdout=open(os.devnull, "w"))
    imported = time.perf_counter() - started
    page = BudgetPage.objects.order_by("-pk").first()
    if expected_rule and not page.results_rule.startswith(expected_rule):
        raise SystemExit(f"{filename}: imported with rule {page.results_rule}, not {expected_rule}")

    times = []
    for _ in range(3):
        page = BudgetPage.objects.get(pk=page.pk)
        started = time.perf_counter()
        compute_results(page)
        times.append(time.perf_counter() - started)

    page = BudgetPage.objects.get(pk=page.pk)
    tracemalloc.start()
    compute_results(page)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "name": name,
        "file": filename,
        "rule": page.results_rule,
        "projects": len(election.projects),
        "ballots": Ballot.objects.filter(page=page).count(),
        "import_s": round(imported, 2),
        "compute_s": round(statistics.median(times), 3),
        "compute_runs_s": [round(t, 3) for t in times],
        "peak_python_mb": round(peak / 2**20, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main(out, smoke):
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
    generate.setup_django()
    from django.core.management import call_command

    from tests.conftest import index_page_on_default_site

    call_command("migrate", verbosity=0)
    index_page_on_default_site()
    figures = []
    for name, filename, rule in SMOKE if smoke else ELECTIONS:
        figures.append(measure(name, filename, rule))
        print(f"  {figures[-1]}", file=sys.stderr)
    Path(out).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main(sys.argv[1], "--smoke" in sys.argv[2:])
