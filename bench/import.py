"""Roster import/export benchmark at prefecture scale (264,974 households) on PostgreSQL.

Builds its own database (seed_demo --scale prefecture), then measures, each step in its own
process so that peak memory is that step's alone (wait4's ru_maxrss):

- export of the prefecture households to .xlsx, and the round trip (re-import reports 0 changes);
- import of a generated 264,974-row households .xlsx: dry run, real (all new), re-import
  (all unchanged), an edited file (all updated);
- the same as CSV (other codes): dry run and real.

Prints one JSON line per measurement. Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import.py [--db NAME]

DATABASE_URL names the server; the benchmark drops and creates database NAME there
(default shiliu_rosters_bench). Targets: real xlsx import < 20 s and < 1 GB, CSV < 8 s,
export < 20 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Personal data stays with the serving (county) offices, so a prefecture-wide roster is imported by
# an account holding the office role in every county, as a data-migration account would.
USER = "bench_counties"
GRANT_ALL_COUNTIES = f"""
from shiliu.accounts.models import Role, RoleCode, User
from shiliu.orgs.models import Kind, Level, OrgUnit
user = User.objects.create_user("{USER}", password=None)
counties = OrgUnit.objects.filter(level=Level.COUNTY, kind=Kind.AREA)
Role.objects.bulk_create(Role(user=user, role=RoleCode.OFFICE, org_unit=c) for c in counties)
"""


def _spawn(args: list[str], env: dict) -> tuple[int, bytes, bytes, object, float]:
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read(), err.read(), usage, wall


def quiesce(env: dict) -> None:
    """Start each measurement from a settled database: no dead rows, fresh statistics, a checkpoint."""
    for sql in ("VACUUM ANALYZE", "CHECKPOINT"):
        subprocess.run(["psql", env["DATABASE_URL"], "-qc", sql], check=True, capture_output=True)


def measure(step: str, args: list[str], env: dict) -> dict:
    quiesce(env)
    code, out, err, usage, wall = _spawn(args, env)
    if code != 0:
        sys.stderr.write(err.decode())
        raise SystemExit(f"{step} failed with exit code {code}")
    result = {"step": step, "wall_s": round(wall, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1)}
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    if lines:
        result.update({k: v for k, v in json.loads(lines[-1]).items() if k not in {"sha256", "kind", "out"}})
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def id_number(n: int) -> str:
    """A valid 18-digit resident ID (GB 11643 check digit), unique per ``n``."""
    day, seq = n % 20160, n // 20160
    body = f"513321{1950 + day // 336:04d}{1 + day // 28 % 12:02d}{1 + day % 28:02d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def generate(env: dict, work: Path) -> dict[str, Path]:
    """Household files as a county office would fill them, with codes not yet in the database."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shiliu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from shiliu.people.models import Household, Language, Livelihood
    from shiliu.rosters.schema import HOUSEHOLDS
    from shiliu.rosters.xlsx import XlsxWriter

    labels = dict(Language.choices)
    livelihoods = dict(Livelihood.choices)
    source = list(
        Household.objects.order_by("village__path", "code").values_list(
            "code", "head_name", "village__code", "members", "languages", "phone", "ethnicity", "livelihood",
            "consent_given_on", "consent_notice_version",
        )
    )  # fmt: skip
    formats = ["{d:%Y-%m-%d}", "{d.year}/{d.month}/{d.day}", "{d.year}年{d.month}月{d.day}日", "{d:%Y%m%d}"]

    def rows(prefix: str, *, members_delta: int = 0, as_text: bool = False):
        for n, (code, name, village, members, langs, phone, eth, live, given, version) in enumerate(source):
            lang_text = "、".join(str(labels[c]) for c in langs.split(",") if c)
            consent = given if not as_text or given is None else formats[n % 4].format(d=given)
            yield [
                f"{prefix}{code}",
                name,
                id_number(n) if n % 3 == 0 else "",
                village,
                (members % 8) + 1 if members_delta else members,
                lang_text,
                phone,
                eth,
                str(livelihoods[live]),
                consent,
                version,
                None,
            ]

    files = {}
    for key, kwargs in {"new": {}, "edited": {"members_delta": 1}}.items():
        path = work / f"households_{key}.xlsx"
        with XlsxWriter(str(path)) as writer:
            writer.add_sheet(HOUSEHOLDS.sheet, HOUSEHOLDS.headers, rows("R", **kwargs))
        files[f"xlsx_{key}"] = path
    path = work / "households_new.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HOUSEHOLDS.headers)
        for row in rows("C", as_text=True):
            writer.writerow(["" if v is None else v for v in row])
    files["csv_new"] = path
    for key, path in files.items():
        print(
            json.dumps(
                {"step": f"generated_{key}", "rows": len(source), "size_mb": round(path.stat().st_size / 2**20, 1)}
            )
        )
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="shiliu_rosters_bench")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(server)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("DATABASE_URL must point at a PostgreSQL server")
    url = urlunsplit(parts._replace(path=f"/{args.db}"))
    admin = urlunsplit(parts._replace(path="/postgres"))
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{args.db}"'], check=True, capture_output=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{args.db}"'], check=True, capture_output=True)
    work = Path(tempfile.mkdtemp(prefix="rosters-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SHILIU_VAR_DIR": str(work / "var"),
        "SHILIU_DEMO_PASSWORD": "Pomegranate-Seed-2026",
    }
    subprocess.run([PYTHON, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    measure("seed_prefecture", ["seed_demo", "--scale", "prefecture", "--logins", str(work / "logins.json")], env)
    grant = [PYTHON, str(ROOT / "manage.py"), "shell", "-v", "0", "-c", GRANT_ALL_COUNTIES]
    subprocess.run(grant, env=env, cwd=ROOT, check=True, capture_output=True)

    export = work / "export.xlsx"
    result = measure(
        "export_xlsx", ["export_roster", "--kind", "households", "--out", str(export), "--user", USER], env
    )
    result["size_mb"] = round(export.stat().st_size / 2**20, 1)
    imp = ["import_roster", "--kind", "households", "--user", USER]
    measure("roundtrip_dry_run", [*imp, str(export), "--dry-run"], env)
    measure("roundtrip_import", [*imp, str(export)], env)

    files = generate(env, work)
    measure("xlsx_dry_run", [*imp, str(files["xlsx_new"]), "--dry-run"], env)
    measure("xlsx_import", [*imp, str(files["xlsx_new"])], env)
    measure("xlsx_reimport_unchanged", [*imp, str(files["xlsx_new"])], env)
    measure("xlsx_import_edited", [*imp, str(files["xlsx_edited"])], env)
    measure("csv_dry_run", [*imp, str(files["csv_new"]), "--dry-run"], env)
    measure("csv_import", [*imp, str(files["csv_new"])], env)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
