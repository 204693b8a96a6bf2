from pathlib import Path

from django.core.management.base import BaseCommand

from shiliu.rosters.management.commands._common import add_kind
from shiliu.rosters.services import roster_template


class Command(BaseCommand):
    help = "Write the .xlsx import template of a roster (headers, sample row, drop-downs, instructions)."

    def add_arguments(self, parser):
        add_kind(parser)
        parser.add_argument("--out", required=True)

    def handle(self, *args, kind, out, **options):
        Path(out).write_bytes(roster_template(actor=None, kind=kind))
        self.stdout.write(out)
