"""Locust users for the load test (run by load.py, which sets the environment below).

BENCH_SCENARIO: "ballot" (the example site's ballot) or "bare" (bench_site's one-row insert).
BENCH_VOTERS: a JSON file of [user id, session key] pairs, taken once each by the users.
BENCH_BALLOT_PATH / BENCH_BARE_PATH: the two pages; BENCH_RESULTS: where acknowledgements go.

Both scenarios make the same three requests per voter, signed in by their session cookie: a GET
of a page with a form, a POST with its CSRF token that writes, then the same POST again (a
retry, which must be refused with 409).
"""

import json
import os
import random
import re
import time
from http.cookiejar import Cookie
from urllib.parse import urlencode

from locust import FastHttpUser, events, task
from locust.exception import StopUser

SCENARIO = os.environ["BENCH_SCENARIO"]
with open(os.environ["BENCH_VOTERS"]) as file:
    VOTERS = iter(json.load(file))
RESULTS = open(os.environ["BENCH_RESULTS"], "a", buffering=1)  # noqa: SIM115

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PROJECT = re.compile(r'name="project" value="(\d+)"[^>]*data-cost="([\d.]+)"')
AMOUNT = re.compile(r'data-amount="([\d.]+)"')


@events.test_start.add_listener
def record_start(**_kwargs):
    record({"event": "start"})


def record(entry):
    RESULTS.write(json.dumps({**entry, "t": time.time()}) + "\n")


def session_cookie(key):
    return Cookie(
        0, "sessionid", key, None, False, "127.0.0.1", True, False, "/", True, False,
        None, False, None, None, {},
    )  # fmt: skip


def choose_projects(page, seed):
    """A random ballot within the envelope, as a voter would tick it."""
    rng = random.Random(seed)
    projects = [(int(pk), float(cost)) for pk, cost in PROJECT.findall(page)]
    rng.shuffle(projects)
    left = float(AMOUNT.search(page).group(1))
    chosen = []
    for pk, cost in projects[: rng.randint(1, 8)]:
        if cost <= left:
            chosen.append(pk)
            left -= cost
    return sorted(chosen)


class Voter(FastHttpUser):
    @task
    def vote(self):
        try:
            voter_id, session_key = next(VOTERS)
        except StopIteration:
            raise StopUser() from None
        self.client.cookiejar.clear()
        self.client.cookiejar.set_cookie(session_cookie(session_key))
        if SCENARIO == "ballot":
            self.cast(voter_id, os.environ["BENCH_BALLOT_PATH"], "ballot")
        else:
            self.cast(voter_id, os.environ["BENCH_BARE_PATH"], "insert")

    def cast(self, voter_id, path, name):
        with self.client.get(path, name=f"GET {name} page", catch_response=True) as response:
            token = CSRF.search(response.text or "")
            if response.status_code != 200 or token is None:
                response.failure(f"no form (status {response.status_code})")
                return
        form = {"csrfmiddlewaretoken": token.group(1), "action": "confirm"}
        projects = choose_projects(response.text, voter_id) if name == "ballot" else []
        if name == "ballot":
            form["project"] = projects
        headers = {
            "Referer": f"{self.host}{path}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        post = {
            "data": urlencode(form, doseq=True),
            "headers": headers,
            "allow_redirects": False,
            "catch_response": True,
        }
        with self.client.post(path, name=f"POST {name}", **post) as response:
            if response.status_code != 302:
                response.failure(f"not accepted (status {response.status_code})")
                return
            receipt = response.headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1]
            record({"voter": voter_id, "receipt": receipt, "projects": projects})
        with self.client.post(path, name=f"POST {name} retry", **post) as response:
            if response.status_code == 409:
                response.success()
            else:
                response.failure(f"retry not refused (status {response.status_code})")
                record({"voter": voter_id, "retry_status": response.status_code})
