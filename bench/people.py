"""Benchmark of the household list at prefecture scale on PostgreSQL. Prints one JSON line per measurement.

Needs the prefecture demo in the bench database (``bench/seed.py`` loads it; ``--seed-first``
does it here). Three measurements, as that county's programme office filtering to the county
(``?org=<county code>``, 50 rows a page; the last county by default, the far end of the code order):

- ``people.list_page``: ``/households/`` server time in-process through ``django.test.Client``
  (median and p95 over ``--requests`` requests after a warm-up) and queries per request, at 50
  and at 20 rows a page: equal counts mean no N+1;
- ``people.api_list``: the same for ``/api/v1/households`` with a bearer token;
- ``people.api_throughput``: the API list under load from ``wrk`` (``apt-get install wrk``) for
  ``--duration`` seconds against gunicorn with 2 sync workers on 127.0.0.1, production settings
  and Django's psycopg pool (``SHILIU_DB_POOL=1``): requests/s and latency percentiles.

Targets: under 50 ms server time, no N+1; at least 1,000 requests/s with p99 under 50 ms.

    .venv/bin/python bench/people.py [--database-url URL] [--seed-first] [--requests 50] [--duration 15]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import seed as seed_bench  # noqa: E402

TARGET_MS = 50
TARGET_RPS = 1000
TARGET_P99_MS = 50
HOUSEHOLDS = 264_974

WRK_SCRIPT = """
wrk.headers["Authorization"] = "Bearer %(token)s"
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %%d, "seconds": %%.3f, "errors": %%d, "p50_ms": %%.2f, "p90_ms": %%.2f, '
    .. '"p99_ms": %%.2f, "max_ms": %%.2f}\\n',
    summary.requests, summary.duration / 1e6, errors, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def setup_django(url: str) -> None:
    os.environ.update(DATABASE_URL=url, SHILIU_DEBUG="0", DJANGO_SETTINGS_MODULE="shiliu.settings")
    os.environ.pop("SHILIU_DB_POOL", None)
    import django

    django.setup()


def fixtures(county: str | None) -> tuple:
    """A county to filter on, its programme office persona (personal data stays with the serving
    county; the prefecture sees aggregates), and a fresh API token."""
    from shiliu.accounts.models import User
    from shiliu.accounts.services import api_token_create
    from shiliu.orgs.models import Kind, Level, OrgUnit
    from shiliu.people.models import Household

    if Household.objects.count() < HOUSEHOLDS:
        sys.exit("the bench database has no prefecture demo: run bench/seed.py first, or pass --seed-first")
    counties = OrgUnit.objects.filter(level=Level.COUNTY, kind=Kind.AREA).order_by("code")
    county = counties.get(code=county) if county else counties.last()
    user = User.objects.get(username=f"office_{county.code[:6]}")
    return user, county, api_token_create(user=user)


def measure(client, url: str, requests: int, **headers) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, **headers)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    query_seconds = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            query_seconds.append(time.perf_counter() - started)

    with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timed):
        client.get(url, **headers)
    return {
        "requests": requests,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 2),
        "max_ms": round(times[-1], 2),
        "queries": len(ctx.captured_queries),
        "query_ms": round(sum(query_seconds) * 1000, 2),
    }


def in_process(user, county, token: str, requests: int) -> list[dict]:
    from django.test import Client

    browser = Client()  # a logged-in session, as a browser has
    browser.force_login(user)
    api = Client()  # no session: the bearer token only
    results = []
    for name, client, path, headers in [
        ("people.list_page", browser, "/households/?org={org}&page_size={n}", {}),
        (
            "people.api_list",
            api,
            "/api/v1/households?org={org}&page_size={n}",
            {"HTTP_AUTHORIZATION": f"Bearer {token}"},
        ),
    ]:
        url = path.format(org=county.code, n=50)
        result = measure(client, url, requests, **headers)
        small = measure(client, path.format(org=county.code, n=20), 5, **headers)
        result["queries_at_20_rows"] = small["queries"]
        result["ok"] = result["median_ms"] < TARGET_MS and result["p95_ms"] < TARGET_MS
        result["ok"] = result["ok"] and small["queries"] == result["queries"]
        results.append({"bench": name, "url": url, "user": user.username, **result, "target_ms": TARGET_MS})
    return results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def throughput(url: str, county, token: str, duration: int, connections: int) -> dict:
    """gunicorn with 2 workers on 127.0.0.1, loaded by wrk for a fixed duration."""
    result = {"bench": "people.api_throughput", "workers": 2, "connections": connections, "duration_s": duration}
    wrk = shutil.which("wrk")
    if wrk is None:
        return {**result, "ok": False, "skipped": "wrk not installed (apt-get install -y wrk)"}
    port = free_port()
    target = f"http://127.0.0.1:{port}/api/v1/households?org={county.code}&page_size=50"
    env = seed_bench.child_env(
        url,
        SHILIU_DB_POOL="1",
        SHILIU_ENV="production",
        SHILIU_SECRET_KEY="bench-only-" + "x" * 50,
        SHILIU_ALLOWED_HOSTS="127.0.0.1",
        SHILIU_SSL_REDIRECT="0",
    )
    gunicorn = [sys.executable, "-m", "gunicorn", "shiliu.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*gunicorn, "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        request = urllib.request.Request(target, headers={"Authorization": f"Bearer {token}"})
        for _ in range(100):
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    assert response.status == 200
                break
            except OSError:
                time.sleep(0.2)
        else:
            return {**result, "ok": False, "error": "gunicorn did not answer"}
        for _ in range(20):  # warm both workers and their pools
            urllib.request.urlopen(request, timeout=5).read()
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(WRK_SCRIPT % {"token": token})
            script.flush()
            cmd = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", script.name, target]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        stats = json.loads(next(line for line in out.splitlines() if line.startswith("WRK_JSON"))[9:])
    finally:
        server.terminate()
        server.wait(timeout=30)
    rps = stats["requests"] / stats["seconds"]
    return {
        **result,
        "url": target.replace(f":{port}", ":PORT"),
        "requests": stats["requests"],
        "errors": stats["errors"],
        "rps": round(rps, 1),
        "p50_ms": stats["p50_ms"],
        "p90_ms": stats["p90_ms"],
        "p99_ms": stats["p99_ms"],
        "max_ms": stats["max_ms"],
        "ok": rps >= TARGET_RPS and stats["p99_ms"] < TARGET_P99_MS and stats["errors"] == 0,
        "target": {"rps": TARGET_RPS, "p99_ms": TARGET_P99_MS},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--seed-first", action="store_true", help="load the prefecture demo first (drops the db)")
    parser.add_argument("--county", help="county code to filter on (default: the last county)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--no-throughput", action="store_true")
    args = parser.parse_args()
    url = seed_bench.database_url(args.database_url)
    if args.seed_first:
        print(json.dumps(seed_bench.seed(url), ensure_ascii=False), flush=True)
    setup_django(url)
    user, county, token = fixtures(args.county)
    for result in in_process(user, county, token, args.requests):
        print(json.dumps(result, ensure_ascii=False), flush=True)
    if not args.no_throughput:
        print(json.dumps(throughput(url, county, token, args.duration, args.connections), ensure_ascii=False))


if __name__ == "__main__":
    main()
