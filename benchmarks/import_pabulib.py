"""Time the import of a real Pabulib file into a fresh SQLite database.

    .venv/bin/python benchmarks/import_pabulib.py [FILE.pb]

By default the file is Łódź 2023 (70 747 ballots, 139 projects) from the shared data folder
beside the repository. The script migrates a new SQLite database in a temporary folder, creates
a participation index page, runs ``participation_import_pabulib`` and prints how long reading
the file, the whole import and a second computation of the results took.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT.parent / "shared" / "data" / "pabulib" / "Poland_Lodz_2023.pb"


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FILE
    if not path.exists():
        sys.exit(f"{path} not found: give the path of a .pb file.")
    folder = tempfile.mkdtemp(prefix="participation-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()

    from django.core.management import call_command

    from tests.conftest import index_page_on_default_site
    from wagtail_participation.budgets import pabulib
    from wagtail_participation.budgets.models import BallotChoice, BudgetPage
    from wagtail_participation.budgets.results import compute_results

    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    index_page_on_default_site()

    started = time.perf_counter()
    election = pabulib.parse_file(path)
    parsed = time.perf_counter() - started

    started = time.perf_counter()
    call_command("participation_import_pabulib", str(path), stdout=open(os.devnull, "w"))
    imported = time.perf_counter() - started

    page = BudgetPage.objects.get()
    started = time.perf_counter()
    compute_results(page)
    recomputed = time.perf_counter() - started

    choices = BallotChoice.objects.filter(ballot__page=page).count()
    print(f"file: {path.name}")
    print(f"projects: {len(election.projects)}, ballots: {len(election.votes)}, choices: {choices}")
    print("database: SQLite (fresh, in a temporary folder)")
    print(f"read and check the file: {parsed:.2f} s")
    print(f"whole import command (read, store, compute and publish): {imported:.2f} s")
    print(f"ballots stored per second: {len(election.votes) / imported:,.0f}")
    print(f"results computed again from the database: {recomputed:.2f} s")


if __name__ == "__main__":
    main()
