"""The load test's bookkeeping (the load itself runs with `benchmarks/load.py --smoke`)."""

import importlib.util
import json
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load_module():
    sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("bench_load", BENCHMARKS / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


load = load_module()


def clean_check(**changes):
    check = dict.fromkeys(
        [
            "accepted_missing",
            "accepted_duplicated",
            "voters_with_two",
            "empty_ballots",
            "ballots_differing",
            "ballots_over_envelope",
            "unacknowledged",
            "bare_missing",
            "bare_duplicated",
            "bare_unacknowledged",
        ],
        0,
    )
    return {**check, "ballots": 10, "accepted": 10, "bare_rows": 20, **changes}


def run_result(writes_per_second):
    stats = {"count": 10, "failures": 0, "per_second": 3.0, "p50": 5, "p95": 9, "p99": 12}
    return {
        "requests": {"POST ballot": stats, "Aggregated": stats},
        "failures": [],
        "accepted": 10,
        "writes_per_second": writes_per_second,
        "other_cores": 0.0,
    }


def figures(ballot, bare, check):
    return {
        "plan": load.SMOKE,
        "smoke": True,
        "workers": 2,
        "ballot": run_result(ballot),
        "bare": run_result(bare),
        "check": check,
        "server_errors": [],
    }


def test_acknowledged_counts_only_writes_within_the_run(tmp_path):
    results = tmp_path / "ballot.jsonl"
    entries = [
        {"event": "start", "t": 100.0},
        {"voter": 1, "receipt": "A", "projects": [1], "t": 101.0},
        {"voter": 2, "receipt": "B", "projects": [2], "t": 109.5},
        {"voter": 3, "receipt": "C", "projects": [3], "t": 111.0},  # finished after the deadline
        {"voter": 3, "retry_status": 302, "t": 111.1},
    ]
    results.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    counts = load.acknowledged(results, 10)
    assert counts == {
        "accepted": 3,
        "accepted_in_time": 2,
        "writes_per_second": 0.2,
        "retry_not_refused": 1,
    }


def test_report_says_by_how_much_a_target_is_missed():
    result = load.report(figures(ballot=60.0, bare=200.0, check=clean_check()))
    targets = {item["name"]: item for item in result["targets"]}
    assert targets["Ballots per second, 2 workers"]["met"] is False
    assert targets["Ballots per second, 2 workers"]["detail"] == "missed by 40%"
    assert targets["Ratio to the bare insert"]["measured"] == "0.30"
    assert targets["Lost or duplicated ballots"]["met"] is True
    assert result["section"] == "Load test"
    assert "| ballot | 60.0 |" in result["markdown"]
    json.dumps(result)


def test_report_fails_the_integrity_target_on_a_double_ballot():
    result = load.report(figures(ballot=150.0, bare=200.0, check=clean_check(voters_with_two=1)))
    targets = {item["name"]: item for item in result["targets"]}
    assert targets["Ballots per second, 2 workers"]["met"] is True
    assert targets["Lost or duplicated ballots"] == {
        "name": "Lost or duplicated ballots",
        "integrity": True,  # benchmarks/run.py fails even a smoke run on it
        "target": "0",
        "measured": "1",
        "met": False,
        "detail": "voters with two ballots: 1",
    }
