"""Benchmark of ``seed_demo --scale prefecture`` on a fresh PostgreSQL database. Prints one JSON line.

Drops and recreates the bench database (its name must contain "bench"), migrates it, then runs
the seeder as a child process: ``seconds`` is the child's wall time, ``peak_mb`` its peak RSS
(``wait4`` rusage of that child alone). Targets: under 60 s and under 2 GB.

    .venv/bin/python bench/seed.py [--database-url postgres://postgres@127.0.0.1:5432/shiliu_bench] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shiliu_bench"
TARGET_SECONDS = 60
TARGET_MB = 2048


def database_url(args_url: str | None) -> str:
    url = args_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    name = urlsplit(url).path.lstrip("/")
    if not url.startswith(("postgres://", "postgresql://")) or "bench" not in name:
        sys.exit(f"refusing {url}: the bench drops its database, give a PostgreSQL database named *bench*")
    return url


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def child_env(url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "SHILIU_DEBUG": "0", **extra}
    env.pop("SHILIU_DEMO_PASSWORD", None)
    return env


def manage(url: str, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=child_env(url), check=True)


def seed(url: str, *, seed: int = 1, logins: Path | None = None) -> dict:
    """Fresh database, migrations, then the timed seeder."""
    recreate_database(url)
    manage(url, "migrate", "--noinput", "-v0")
    logins = logins or ROOT / "bench" / "out" / "logins.json"
    logins.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "manage.py", "seed_demo", "--scale", "prefecture", "--seed", str(seed)]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, "--logins", str(logins)],
        cwd=ROOT,
        env=child_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"seed_demo failed with exit code {proc.returncode}")
    report = json.loads(out.splitlines()[0])
    peak_mb = usage.ru_maxrss / 1024
    return {
        "bench": "seed",
        "scale": "prefecture",
        "seed": seed,
        "database": "postgresql",
        "seconds": round(seconds, 2),
        "peak_mb": round(peak_mb, 1),
        "ok": seconds < TARGET_SECONDS and peak_mb < TARGET_MB,
        "target": {"seconds": TARGET_SECONDS, "peak_mb": TARGET_MB},
        "counts": {k: report[k] for k in ("org_units", "counties", "townships", "villages", "officials", "households")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(seed(database_url(args.database_url), seed=args.seed), ensure_ascii=False))


if __name__ == "__main__":
    main()
