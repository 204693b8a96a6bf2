import json
import os
import resource
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from shiliu.core.demo import SCALES, DemoBuilder
from shiliu.core.errors import DomainError


class Command(BaseCommand):
    help = "Load fictional demo data (org tree, officials, households, personas) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--logins", help="write the demo personas as JSON to this file")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the database already has data")

    def handle(self, *args, scale, seed, logins, if_empty, **options):
        from shiliu.orgs.models import OrgUnit

        if if_empty and OrgUnit.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据。")
            return
        started = time.perf_counter()
        builder = DemoBuilder(
            scale,
            seed,
            password=os.environ.get("SHILIU_DEMO_PASSWORD") or None,
            progress=lambda msg: self.stderr.write(f"… {time.perf_counter() - started:5.1f}s {msg}"),
        )
        try:
            counts, personas = builder.run()
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        builder.progress("统计信息")
        builder.tidy()
        seconds = round(time.perf_counter() - started, 2)
        rows = [
            {"username": p.username, "password": p.password, "role": p.role, "org_code": p.org_code} for p in personas
        ]
        if logins:
            with open(logins, "w", encoding="utf-8") as fh:
                json.dump(rows, fh, ensure_ascii=False, indent=2)
            os.chmod(logins, 0o600)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            json.dumps(
                {"scale": scale, "seed": seed, "seconds": seconds, "peak_mb": round(peak_mb, 1), **counts},
                ensure_ascii=False,
            )
        )
        if not logins or options.get("verbosity", 1) > 1 or sys.stdout.isatty():
            self.stdout.write("演示账户 (用户名 / 密码 / 角色 / 组织):")
            for r in rows:
                self.stdout.write(f"  {r['username']:<16} {r['password']:<18} {r['role']:<15} {r['org_code']}")
