"""Run the benchmarks in order and print their JSON lines: ``make bench``.

``seed`` loads the prefecture demo into a fresh bench database, then ``people`` measures the
household list on it. Other benchmarks in bench/ run on their own (see bench/README.md); add
them to BENCHES when they should be part of ``make bench``.

    .venv/bin/python bench/run.py [--database-url URL] [--only seed,people]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BENCHES = {"seed": ["seed.py"], "people": ["people.py"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL bench database (its name must contain 'bench')")
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(BENCHES))
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHES)
    env = dict(os.environ)
    if args.database_url:
        env["BENCH_DATABASE_URL"] = args.database_url
    failed = []
    for name in names:
        if name not in BENCHES:
            parser.error(f"unknown bench {name}")
        result = subprocess.run([sys.executable, str(BENCH / BENCHES[name][0]), *BENCHES[name][1:]], env=env)
        if result.returncode:
            failed.append(name)
    if failed:
        print(json.dumps({"bench": "run", "failed": failed}), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
