import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shiliu.core.errors import DomainError
from shiliu.rosters.management.commands._common import acting_user, add_kind, org_in_scope
from shiliu.rosters.services import report_path, roster_import


class Command(BaseCommand):
    help = (
        "Import a roster (.xlsx or .csv) all-or-nothing as USERNAME, whose scope decides what may be written. "
        "Prints a JSON summary; with any error prints every error and exits 1, writing nothing."
    )

    def add_arguments(self, parser):
        add_kind(parser)
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="the acting user (their roles decide the scope)")
        parser.add_argument("--dry-run", action="store_true", help="check only: show what would change, write nothing")
        parser.add_argument("--org", help="only write inside this org unit's subtree")
        parser.add_argument(
            "--error-report", help="write the highlighted error report (.xlsx) here when there are errors"
        )

    def handle(self, *args, kind, file, user, dry_run, org, error_report, **options):
        actor = acting_user(user)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        verbose = options.get("verbosity", 1) > 1

        def progress(pct: int, message: str) -> None:
            if verbose:
                self.stderr.write(f"{pct:3d}% {message}")

        try:
            outcome = roster_import(
                actor=actor,
                kind=kind,
                source=path,
                file_name=path.name,
                dry_run=dry_run,
                org=org_in_scope(org, actor),
                progress=progress,
                report=bool(error_report),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        summary = outcome.summary()
        if outcome.errors:
            for e in outcome.errors:
                where = f"第{e.row}行" if e.row else "文件"
                column = f" [{e.column}]" if e.column else ""
                value = f" “{e.value}”" if e.value else ""
                self.stderr.write(f"{where}{column}{value}: {e.reason}")
            if error_report and outcome.run.report:
                Path(error_report).write_bytes(report_path(outcome.run.report).read_bytes())
                self.stderr.write(f"错误报告：{error_report}")
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            self.stderr.write(f"共 {len(outcome.errors)} 处错误，未导入任何数据。")
            sys.exit(1)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
