"""Run every benchmark and write benchmarks/results/latest.md and latest.json (``make bench``).

    python benchmarks/run.py            the full run (about 15 minutes on 2 cores)
    python benchmarks/run.py --smoke    small scale only, a few seconds of load (CI)

Starts its own PostgreSQL and Redis servers from Debian's packages (benchmarks/services.py),
then runs, each in its own process and database:
1. the public pages at small and large scale (pages.py on data from generate.py);
2. the results of real elections computed from the database (results.py);
3. the load test: ballots cast through gunicorn with 2 workers (load.py).
Each target of the issue is checked; a missed target is reported with its shortfall and makes
the command exit with status 1, so that CI notices a broken benchmark or a regression.
"""

import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import services  # noqa: E402

RESULTS = BENCH / "results"
PAGE_TARGET_RATIO = 2.0
TARGETS_S = {"greedy": 1.0, "equal-shares": 5.0}
IMPORT_TARGET_S = 30.0
MEMORY_TARGET_MB = 300.0


def create_database(url, name):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def run_script(script, *args, env):
    command = [sys.executable, str(BENCH / script), *args]
    subprocess.run(command, check=True, env=env, cwd=ROOT)


def target(name, target_text, measured_text, met, detail=""):
    return {
        "name": name,
        "target": target_text,
        "measured": measured_text,
        "met": bool(met),
        "detail": detail,
    }


def page_section(small, large):
    rows = [
        "| page | queries (small) | queries (large) | fresh ms | ratio | cached ms | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    targets = []
    for name, big in large["pages"].items():
        little = small["pages"][name]
        rows.append(
            f"| {name} | {little['queries_fresh']} | {big['queries_fresh']} "
            f"| {big['median_ms_fresh']} | {big['ratio_fresh']} "
            f"| {big['median_ms_cached']} | {big['ratio_cached']} |"
        )
        if name == "bare Wagtail page":
            continue
        same = little["queries_fresh"] == big["queries_fresh"]
        targets.append(
            target(
                f"queries of {name}: small = large",
                "equal",
                f"{little['queries_fresh']} / {big['queries_fresh']}",
                same,
                "" if same else f"{big['queries_fresh'] - little['queries_fresh']:+d} queries",
            )
        )
        ratio = big["ratio_cached"]
        targets.append(
            target(
                f"server time of {name} (large, as served: cached for visitors)",
                f"≤ {PAGE_TARGET_RATIO}× bare page",
                f"{ratio}×",
                ratio <= PAGE_TARGET_RATIO,
                "" if ratio <= PAGE_TARGET_RATIO else f"{ratio / PAGE_TARGET_RATIO:.1f}× the limit",
            )
        )
    markdown = "\n".join(
        [
            "## Public pages",
            "",
            f"Large scale: {large_description()}. Generated in {large['generated_s']} s; the "
            f"small scale in {small['generated_s']} s.",
            "",
            "Queries per request, and the median server time of 25 requests through Django's "
            "whole stack at large scale, in milliseconds and as a ratio to the bare Wagtail page "
            "of the same run. *Fresh*: the page's cached fragments were just invalidated (after a "
            "publication, a contribution, a ballot); *cached*: every later visitor.",
            "",
            *rows,
        ]
    )
    return markdown, targets


def large_description():
    import generate

    sizes = generate.SCALES["large"]

    def number(value):
        return f"{value:,}".replace(",", " ")

    return (
        f"{number(sizes['residents'])} residents, {number(sizes['contributions'])} contributions "
        f"with {number(sizes['supports'])} supports and {number(sizes['comments'])} comments, a "
        f"budget with {sizes['projects']} projects on its ballot, Łódź 2023 imported (70 747 "
        f"ballots), {number(sizes['meetings'])} meetings (a quarter repeating), a restitution "
        "over them"
    )


def results_section(figures):
    rows = [
        "| election | rule | projects | ballots | import s | compute s | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    targets = []
    for item in figures:
        rows.append(
            f"| {item['name']} | {item['rule']} | {item['projects']} | {item['ballots']} "
            f"| {item['import_s']} | {item['compute_s']} | {item['peak_python_mb']} |"
        )
        rule = "equal-shares" if item["rule"].startswith("equal") else "greedy"
        limit = TARGETS_S[rule]
        targets.append(
            target(
                f"{item['name']}: computation",
                f"< {limit} s",
                f"{item['compute_s']} s",
                item["compute_s"] < limit,
                "" if item["compute_s"] < limit else f"{item['compute_s'] / limit:.1f}× the target",
            )
        )
        targets.append(
            target(
                f"{item['name']}: peak memory of the computation",
                f"< {MEMORY_TARGET_MB:.0f} MB",
                f"{item['peak_python_mb']} MB",
                item["peak_python_mb"] < MEMORY_TARGET_MB,
            )
        )
        if "Łódź" in item["name"]:
            targets.append(
                target(
                    "Łódź 2023 import",
                    f"< {IMPORT_TARGET_S:.0f} s",
                    f"{item['import_s']} s",
                    item["import_s"] < IMPORT_TARGET_S,
                    ""
                    if item["import_s"] < IMPORT_TARGET_S
                    else f"{item['import_s'] / IMPORT_TARGET_S:.1f}× the target",
                )
            )
    markdown = "\n".join(
        [
            "## Results of real elections",
            "",
            "Import: the whole `participation_import_pabulib` command (read, store every ballot, "
            "compute and publish). Compute: `compute_results()` from the stored ballots, median "
            "of three runs. Peak: the Python memory the computation allocates (`tracemalloc`).",
            "",
            *rows,
        ]
    )
    return markdown, targets


def targets_section(targets):
    rows = ["| target | wanted | measured | met |", "|---|---|---|---|"]
    for item in targets:
        met = "yes" if item["met"] else f"**no** ({item['detail']})" if item["detail"] else "**no**"
        rows.append(f"| {item['name']} | {item['target']} | {item['measured']} | {met} |")
    return "\n".join(["## Targets", "", *rows])


def main(smoke):
    import load

    machine = services.machine()
    started = datetime.datetime.now(datetime.UTC)
    sections, targets, data = [], [], {"machine": machine, "smoke": smoke}
    with tempfile.TemporaryDirectory() as work, services.postgres(fsync=False) as database:
        work = Path(work)
        with services.redis() as redis_url:
            env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)}
            pages = {}
            for scale in ("small",) if smoke else ("small", "large"):
                print(f"Pages at {scale} scale", file=sys.stderr)
                env["DATABASE_URL"] = create_database(database, f"pages_{scale}")
                run_script("pages.py", scale, str(work / f"{scale}.json"), env=env)
                pages[scale] = json.loads((work / f"{scale}.json").read_text())
            markdown, found = page_section(pages["small"], pages.get("large", pages["small"]))
            sections.append(markdown)
            targets += found
            data["pages"] = pages

            print("Results of real elections", file=sys.stderr)
            env["DATABASE_URL"] = create_database(database, "results")
            run_script("results.py", str(work / "results.json"), *["--smoke"] * smoke, env=env)
            figures = json.loads((work / "results.json").read_text())
            markdown, found = results_section(figures)
            sections.append(markdown)
            targets += found
            data["results"] = figures

    print("Load test", file=sys.stderr)
    loaded = load.run(smoke=smoke)
    sections.append(loaded["markdown"])
    targets += loaded["targets"]
    data["load"] = loaded["figures"]
    data["targets"] = targets

    header = [
        "# Benchmark results" + (" (smoke run: small scale only)" if smoke else ""),
        "",
        f"Run on {started:%Y-%m-%d %H:%M} UTC with `make bench"
        + (" SMOKE=1`" if smoke else "`")
        + f". Machine: {machine_line(machine)}.",
        "",
    ]
    text = "\n\n".join(["\n".join(header), targets_section(targets), *sections]) + "\n"
    name = "smoke" if smoke else "latest"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(text)
    missed = [item["name"] for item in targets if not item["met"]]
    if missed:
        print(f"{len(missed)} target(s) missed: {', '.join(missed)}", file=sys.stderr)
    # A smoke run is too small and too short to judge speed: it fails only when the benchmark
    # breaks or when ballots are lost or doubled.
    failed = [
        item["name"] for item in targets if not item["met"] and (not smoke or item.get("integrity"))
    ]
    return 1 if failed else 0


def machine_line(machine):
    return ", ".join(f"{key} {value}" for key, value in machine.items())


if __name__ == "__main__":
    sys.exit(main("--smoke" in sys.argv[1:]))
