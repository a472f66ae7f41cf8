"""Load test: many voters casting (and retrying) ballots on the example site, under gunicorn.

    .venv/bin/python benchmarks/load.py [--smoke]

Starts PostgreSQL (fsync on) and Redis from Debian's packages, migrates, creates a budget in its
voting phase with 30 projects and many signed-in voters (sessions written straight into Redis),
serves the example site with gunicorn (2 workers) on 127.0.0.1, then runs locust headless twice
with the same users, spawn rate and duration: against a bare view that inserts one row, then
against the ballot. Finally it checks the database against what the clients were told.

``run(smoke=...)`` returns the report as a dict; the Django work runs in subprocesses (this
module's ``--internal`` commands) so that the caller's own Django settings do not matter.
"""

import contextlib
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import services  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SITE = ROOT / "example_site"
PROJECTS = 30
ENVELOPE = 100_000
# Users just past the knee (measured: 6-8 saturate the 2 sync workers; 24 gave half the
# bare throughput and 4x the latency, the client and the connection churn taking CPU).
FULL = {"users": 8, "spawn_rate": 8, "seconds": 60, "voters": 40_000}
SMOKE = {"users": 6, "spawn_rate": 6, "seconds": 10, "voters": 4_000}
STOP_TIMEOUT = 15  # seconds for voters in flight at the deadline to finish their three requests
BALLOTS_PER_SECOND = 100
BUSY_CORES = 0.25  # CPU used by other processes during a run above which the report warns


# The run ------------------------------------------------------------------------------------


def run(*, smoke: bool = False) -> dict:
    plan = SMOKE if smoke else FULL
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as work,
        services.postgres() as database_url,
        services.redis() as redis_url,
    ):
        work = Path(work)
        env = site_env(database_url, redis_url)
        setup = prepare(env, work, plan["voters"])
        setup["database_url"] = database_url
        with gunicorn(env, work) as host:
            bare = load(host, "bare", setup, plan, work)
            ballot = load(host, "ballot", setup, plan, work)
        server_errors = last_errors(work / "gunicorn.log")
        check = internal(env, "check", work / "ballot.jsonl", work / "bare.jsonl")
    figures = {
        "plan": plan,
        "smoke": smoke,
        "workers": 2,
        "ballot": ballot,
        "bare": bare,
        "check": check,
        "server_errors": server_errors,
        "seconds_total": round(time.monotonic() - started, 1),
    }
    return report(figures)


def site_env(database_url, redis_url):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_site.settings",
        "PYTHONPATH": os.pathsep.join([str(SITE), str(BENCH), str(ROOT)]),
        "DJANGO_SECRET_KEY": "load-test-only-" + os.urandom(16).hex(),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_HTTPS": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }


def internal(env, command, *args):
    """Run one of this module's Django commands in a subprocess; its last line is JSON."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--internal", command, *map(str, args)],
        env=env,
        cwd=SITE,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"{command} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def prepare(env, work, voters):
    setup = internal(env, "prepare", work / "voters.json", voters)
    setup["voters_file"] = str(work / "voters.json")
    return setup


@contextlib.contextmanager
def gunicorn(env, work):
    port = services.free_port()
    command = [sys.executable, "-m", "gunicorn", "demo_site.wsgi", "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "--chdir", str(SITE), "--log-level", "warning"]
    log = (work / "gunicorn.log").open("w")
    # Own session: a Ctrl-C reaches this process only, which then stops the server in order.
    server = subprocess.Popen(
        command, env=env, cwd=SITE, stdout=log, stderr=log, start_new_session=True
    )
    try:
        host = f"http://127.0.0.1:{port}"
        wait_until_served(host, server)
        yield host
    finally:
        stop(server)
        log.close()


def wait_until_served(host, server, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        with contextlib.suppress(OSError):
            # Two requests, so that both workers have imported everything before the load.
            for _ in range(2):
                urllib.request.urlopen(host + "/", timeout=10).read()
            return
        time.sleep(0.2)
    raise TimeoutError(f"gunicorn does not answer on {host}")


def stop(process, timeout=20):
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def last_errors(log, count=5):
    """The last lines of the server's tracebacks, to say why requests failed."""
    lines = log.read_text(errors="replace").splitlines()
    ends = [
        line
        for line, after in zip(lines, [*lines[1:], ""], strict=True)
        if "Error" in line and after == ""
    ]
    return list(dict.fromkeys(ends))[-count:]


# Locust ------------------------------------------------------------------------------------


def load(host, scenario, setup, plan, work):
    """One headless locust run; its stats per request type and what the clients were told."""
    results = work / f"{scenario}.jsonl"
    prefix = work / scenario
    env = {
        **os.environ,
        "BENCH_SCENARIO": scenario,
        "BENCH_VOTERS": setup["voters_file"],
        "BENCH_RESULTS": str(results),
        "BENCH_BALLOT_PATH": setup["ballot_path"],
        "BENCH_BARE_PATH": "/bench/insert/",
    }
    command = [sys.executable, "-m", "locust", "-f", str(BENCH / "locustfile.py"), "--headless"]
    command += ["--host", host, "--users", str(plan["users"])]
    command += ["--spawn-rate", str(plan["spawn_rate"]), "--run-time", f"{plan['seconds']}s"]
    command += ["--stop-timeout", str(STOP_TIMEOUT), "--csv", str(prefix), "--only-summary"]
    command += ["--loglevel", "WARNING", "--exit-code-on-error", "0"]
    locust = subprocess.Popen(
        command, env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        ours = our_processes(setup["database_url"])
        before, started = cpu_seconds(ours), time.monotonic()
        _, errors = locust.communicate(timeout=plan["seconds"] + STOP_TIMEOUT + 60)
        other_cores = cpu_used(before, cpu_seconds(ours), time.monotonic() - started)
    finally:
        stop(locust)
    if locust.returncode:
        raise RuntimeError(f"locust failed:\n{errors[-3000:]}")
    return {
        "requests": read_stats(Path(f"{prefix}_stats.csv")),
        "failures": read_failures(Path(f"{prefix}_failures.csv")),
        **acknowledged(results, plan["seconds"]),
        "other_cores": other_cores,
    }


def our_processes(database_url):
    """This run's processes: our children (gunicorn, locust, redis) and the PostgreSQL server."""
    me = psutil.Process()
    pids = {me.pid, *(child.pid for child in me.children(recursive=True))}
    port_option = f"-p {urlsplit(database_url).port} "
    for process in psutil.process_iter(["cmdline"]):
        if port_option in " ".join(process.info["cmdline"] or []) + " ":
            pids |= {process.pid, *(child.pid for child in process.children(recursive=True))}
    return pids


def cpu_seconds(excluded):
    """CPU seconds used so far by every other process."""
    used = {}
    for process in psutil.process_iter(["cpu_times"]):
        times = process.info["cpu_times"]
        if process.pid not in excluded and times is not None:
            used[process.pid] = times.user + times.system
    return used


def cpu_used(before, after, seconds):
    """Cores used by other processes in between (those that ended in between are missed)."""
    spent = sum(total - before.get(pid, 0) for pid, total in after.items())
    return round(spent / seconds, 2)


def read_stats(path):
    stats = {}
    with path.open() as file:
        for row in csv.DictReader(file):
            stats[row["Name"]] = {
                "count": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "per_second": round(float(row["Requests/s"]), 1),
                "p50": number(row["50%"]),
                "p95": number(row["95%"]),
                "p99": number(row["99%"]),
                "max": number(row["Max Response Time"]),
            }
    return stats


def number(text):
    return round(float(text)) if text not in ("", "N/A") else None


def read_failures(path):
    if not path.exists():
        return []
    with path.open() as file:
        return [
            {
                "request": f"{row['Method']} {row['Name']}",
                "error": row["Error"],
                "count": row["Occurrences"],
            }  # noqa: E501
            for row in csv.DictReader(file)
        ]


def acknowledged(results, seconds):
    """The writes the clients saw accepted, and how many of them within the measured time."""
    entries = [json.loads(line) for line in results.read_text().splitlines() if line]
    start = next(e["t"] for e in entries if e.get("event") == "start")
    accepted = [e for e in entries if "receipt" in e]
    in_time = [e for e in accepted if e["t"] <= start + seconds]
    return {
        "accepted": len(accepted),
        "accepted_in_time": len(in_time),
        "writes_per_second": round(len(in_time) / seconds, 1),
        "retry_not_refused": sum(1 for e in entries if "retry_status" in e),
    }


# The report --------------------------------------------------------------------------------


def report(figures):
    ballot, bare, check = figures["ballot"], figures["bare"], figures["check"]
    ratio = (
        ballot["writes_per_second"] / bare["writes_per_second"] if bare["writes_per_second"] else 0
    )
    figures["ratio_to_bare"] = round(ratio, 2)
    targets = [
        target(
            "Ballots per second, 2 workers",
            f">= {BALLOTS_PER_SECOND}/s",
            ballot["writes_per_second"],
            BALLOTS_PER_SECOND,
            "/s",
        ),
        target("Ratio to the bare insert", ">= 0.5", ratio, 0.5, ""),
        integrity_target(check),
    ]
    return {
        "section": "Load test",
        "markdown": markdown(figures, targets),
        "figures": figures,
        "targets": targets,
    }


def target(name, wanted, measured, minimum, unit):
    met = measured >= minimum
    shortfall = "" if met else f"missed by {(1 - measured / minimum) * 100:.0f}%"
    return {
        "name": name,
        "target": wanted,
        "measured": f"{measured:.2f}{unit}" if unit == "" else f"{measured:.1f}{unit}",
        "met": met,
        "detail": shortfall,
    }


def integrity_target(check):
    problems = {
        "accepted ballots missing": check["accepted_missing"],
        "accepted ballots found more than once": check["accepted_duplicated"],
        "voters with two ballots": check["voters_with_two"],
        "ballots without choices": check["empty_ballots"],
        "ballots whose choices differ from those sent": check["ballots_differing"],
        "ballots over the envelope": check["ballots_over_envelope"],
        "bare rows missing or doubled": check["bare_missing"] + check["bare_duplicated"],
    }
    found = {name: count for name, count in problems.items() if count}
    return {
        "name": "Lost or duplicated ballots",
        "integrity": True,
        "target": "0",
        "measured": str(sum(found.values())),
        "met": not found,
        "detail": ", ".join(f"{name}: {count}" for name, count in found.items()),
    }


def markdown(figures, targets):
    plan, ballot, bare, check = (figures[k] for k in ("plan", "ballot", "bare", "check"))
    lines = [
        "## Load test",
        "",
        f"gunicorn, {figures['workers']} sync workers, PostgreSQL (fsync on) and Redis on "
        f"127.0.0.1; locust headless, {plan['users']} users spawned at {plan['spawn_rate']}/s, "
        f"{plan['seconds']} s per run{' (smoke)' if figures['smoke'] else ''}. Each user takes "
        "distinct signed-in voters in turn: GET the page with the form, POST it with its CSRF "
        "token, POST it again (the retry must get 409). The bare baseline does the same against "
        "a view that inserts one row.",
        "",
        "| run | writes/s | requests/s | request | count | failures | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for label, result in (("ballot", ballot), ("bare insert", bare)):
        total = result["requests"].get("Aggregated", {})
        for name, stats in result["requests"].items():
            if name == "Aggregated":
                continue
            lines.append(
                f"| {label} | {result['writes_per_second']} | {total.get('per_second', '')} "
                f"| {name} | {stats['count']} | {stats['failures']} | {stats['p50']} "
                f"| {stats['p95']} | {stats['p99']} |"
            )
    busy = max(ballot["other_cores"], bare["other_cores"])
    if busy > BUSY_CORES:
        lines += [
            "",
            f"**The machine was busy**: other processes used up to {busy} cores during the "
            "runs, so the figures are lower than on an idle machine.",
        ]
    lines += [
        "",
        f"Ratio of ballots/s to bare inserts/s: **{figures['ratio_to_bare']}**.",
        "",
        "Database check after the run: "
        f"{check['ballots']} ballots stored, {check['accepted']} acknowledged to a client; "
        f"acknowledged but missing {check['accepted_missing']}, found more than once "
        f"{check['accepted_duplicated']}; voters with two ballots {check['voters_with_two']}; "
        f"ballots without choices {check['empty_ballots']}, with choices other than those sent "
        f"{check['ballots_differing']}, over the envelope {check['ballots_over_envelope']}; "
        f"stored but never acknowledged {check['unacknowledged']}. Bare rows: "
        f"{check['bare_rows']} stored, missing {check['bare_missing']}, unacknowledged "
        f"{check['bare_unacknowledged']}.",
        "",
        "| target | wanted | measured | met | detail |",
        "|---|---|---|---|---|",
    ]
    for item in targets:
        met = "yes" if item["met"] else "**no**"
        lines.append(
            f"| {item['name']} | {item['target']} | {item['measured']} | {met} | {item['detail']} |"
        )
    failures = ballot["failures"] + bare["failures"]
    if failures:
        lines += ["", "Failed requests:", ""]
        lines += [f"- {f['request']}: {f['error']} ({f['count']})" for f in failures]
    if figures["server_errors"]:
        lines += ["", "Last server errors:", ""]
        lines += [f"- `{error}`" for error in figures["server_errors"]]
    return "\n".join(lines) + "\n"


# Django commands, run in subprocesses with bench_site.settings -------------------------------


def django_setup():
    import django

    django.setup()


def prepare_command(voters_file, voters):
    """Migrate, create the budget and the voters; print the ballot page's path."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from bench_site.views import TABLE_SQL

    with connection.cursor() as cursor:
        cursor.execute(TABLE_SQL)
    page, envelope = create_budget()
    pairs = create_voters(int(voters))
    Path(voters_file).write_text(json.dumps(pairs))
    path = page.url + page.reverse_subpage("vote_envelope", args=[envelope.pk])
    return {"ballot_path": path, "voters": len(pairs), "projects": PROJECTS}


def create_budget():
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone
    from wagtail.models import Site

    from wagtail_participation.budgets.models import (
        BallotKind,
        BudgetEnvelope,
        BudgetPage,
        BudgetProject,
        ProjectStatus,
    )
    from wagtail_participation.models import ParticipationIndexPage, ProcessPhase
    from wagtail_participation.status import PhaseKind

    home = Site.objects.get(is_default_site=True).root_page
    index = home.add_child(instance=ParticipationIndexPage(title="Participer", slug="participer"))
    now = timezone.now()
    page = BudgetPage(
        title="Budget citoyen",
        slug="budget",
        impact_statement="<p>Les projets choisis seront réalisés.</p>",
        ballot_kind=BallotKind.KNAPSACK,
    )
    page.participation_phases = [
        ProcessPhase(kind=PhaseKind.VOTE, starts_at=now - timedelta(days=1), ends_at=None)
    ]
    page.envelopes = [BudgetEnvelope(amount=Decimal(ENVELOPE), sort_order=0)]
    index.add_child(instance=page)
    page.save_revision().publish()
    page = BudgetPage.objects.get(pk=page.pk)
    envelope = page.envelope_list[0]
    BudgetProject.objects.bulk_create(
        BudgetProject(
            page=page,
            envelope=envelope,
            title=f"Projet {number:02d}",
            description=f"Description du projet {number}.",
            estimated_cost=Decimal(2_000 + 1_000 * (number % 19)),
            status=ProjectStatus.ON_BALLOT,
        )
        for number in range(1, PROJECTS + 1)
    )
    return page, envelope


def create_voters(count):
    """Signed-up residents with complete profiles, signed in by sessions written to Redis."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.cache import KEY_PREFIX
    from django.core.cache import caches
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from wagtail_participation.profiles import ParticipantProfile

    User = get_user_model()
    # An unusable password: no hashing, and the session hash is still derived from it.
    users = User.objects.bulk_create(
        User(username=f"voter{n}", email=f"voter{n}@example.org", password="!bench")
        for n in range(count)
    )
    now = timezone.now()
    ParticipantProfile.objects.bulk_create(
        ParticipantProfile(
            user=user,
            display_name=f"Voter {n}",
            birth_year=1980,
            lives_in_town=True,
            terms_accepted_at=now,
        )
        for n, user in enumerate(users)
    )
    backend = settings.AUTHENTICATION_BACKENDS[0]
    sessions, pairs = {}, []
    for user in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        sessions[KEY_PREFIX + key] = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        pairs.append([user.pk, key])
    cache = caches[settings.SESSION_CACHE_ALIAS]
    items = list(sessions.items())
    for start in range(0, len(items), 2000):
        cache.set_many(dict(items[start : start + 2000]))
    return pairs


def check_command(ballot_results, bare_results):
    """Compare the database with what the clients were told."""
    from collections import Counter

    from django.db import connection

    from wagtail_participation.budgets.models import Ballot, BallotChoice

    told = [json.loads(line) for line in Path(ballot_results).read_text().splitlines()]
    told = {e["voter"]: e for e in told if "receipt" in e}
    ballots = list(Ballot.objects.values("pk", "voter_id", "voter_key", "receipt", "envelope_id"))
    choices = {}
    for ballot_id, project_id, cost in BallotChoice.objects.values_list(
        "ballot_id", "project_id", "project__estimated_cost"
    ):
        choices.setdefault(ballot_id, []).append((project_id, cost))
    per_voter = Counter(b["voter_id"] for b in ballots)
    per_key = Counter((b["envelope_id"], b["voter_key"]) for b in ballots)
    by_receipt = {b["receipt"]: b for b in ballots}
    envelope = next(iter({b["envelope_id"] for b in ballots}), None)
    amount = ENVELOPE
    differing = 0
    for voter, entry in told.items():
        ballot = by_receipt.get(entry["receipt"])
        stored = sorted(p for p, _ in choices.get(ballot["pk"], [])) if ballot else None
        if ballot is not None and (ballot["voter_id"] != voter or stored != entry["projects"]):
            differing += 1
    bare_told = [json.loads(line) for line in Path(bare_results).read_text().splitlines()]
    bare_told = {e["voter"] for e in bare_told if "receipt" in e}
    with connection.cursor() as cursor:
        cursor.execute("select voter, count(*) from bench_row group by voter")
        rows = dict(cursor.fetchall())
    return {
        "ballots": len(ballots),
        "accepted": len(told),
        "accepted_missing": sum(1 for e in told.values() if e["receipt"] not in by_receipt),
        "accepted_duplicated": sum(1 for voter in told if per_voter[voter] > 1),
        "voters_with_two": sum(1 for count in per_key.values() if count > 1),
        "empty_ballots": sum(1 for b in ballots if not choices.get(b["pk"])),
        "ballots_differing": differing,
        "ballots_over_envelope": sum(
            1 for b in ballots if sum(c for _, c in choices.get(b["pk"], [])) > amount
        ),
        "unacknowledged": sum(1 for b in ballots if b["voter_id"] not in told),
        "envelope": envelope,
        "bare_rows": sum(rows.values()),
        "bare_accepted": len(bare_told),
        "bare_missing": sum(1 for voter in bare_told if voter not in rows),
        "bare_duplicated": sum(1 for count in rows.values() if count > 1),
        "bare_unacknowledged": sum(1 for voter in rows if voter not in bare_told),
    }


COMMANDS = {"prepare": prepare_command, "check": check_command}


def main(argv):
    if argv[:1] == ["--internal"]:
        django_setup()
        print(json.dumps(COMMANDS[argv[1]](*argv[2:]), default=str))
        return
    if argv not in ([], ["--smoke"]):
        sys.exit("usage: load.py [--smoke]")
    print(run(smoke=argv == ["--smoke"])["markdown"], end="")


if __name__ == "__main__":
    main(sys.argv[1:])
