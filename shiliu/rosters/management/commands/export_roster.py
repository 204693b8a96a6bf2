import json
import time

from django.core.management.base import BaseCommand, CommandError

from shiliu.core.errors import DomainError
from shiliu.rosters.management.commands._common import acting_user, add_kind, org_in_scope
from shiliu.rosters.services import roster_export


class Command(BaseCommand):
    help = "Export a roster to .xlsx in the import template's layout, limited to what USERNAME may see."

    def add_arguments(self, parser):
        add_kind(parser)
        parser.add_argument("--out", required=True)
        parser.add_argument("--user", required=True, help="the acting user (their roles decide the scope)")
        parser.add_argument("--org", help="only this org unit's subtree")

    def handle(self, *args, kind, out, user, org, **options):
        actor = acting_user(user)
        started = time.perf_counter()
        try:
            rows = roster_export(actor=actor, kind=kind, target=out, org=org_in_scope(org, actor))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        seconds = round(time.perf_counter() - started, 3)
        self.stdout.write(json.dumps({"kind": kind, "rows": rows, "out": out, "seconds": seconds}, ensure_ascii=False))
