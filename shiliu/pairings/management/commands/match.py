import json
import time

from django.core.management.base import BaseCommand, CommandError

from shiliu.core.errors import DomainError
from shiliu.orgs.models import OrgUnit
from shiliu.pairings.engine import run_match
from shiliu.pairings.models import Scheme


class Command(BaseCommand):
    help = (
        "Match an org unit's unpaired consenting households with officials (a county, or a prefecture "
        "county by county) and print a JSON summary. Proposals await review unless --commit accepts them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="code of the area to match")
        parser.add_argument("--scheme", type=int, help="scheme id (default: the nearest scheme at or above --org)")
        parser.add_argument(
            "--commit", action="store_true", help="write the pairings as active at once instead of proposals to review"
        )
        parser.add_argument("--processes", type=int, default=2, help="worker processes for the counties")

    def handle(self, *args, org, scheme, commit, processes, **options):
        started = time.perf_counter()
        unit = OrgUnit.objects.filter(code=org).first()
        if unit is None:
            raise CommandError(f"org unit {org} not found")
        chosen = self._scheme(unit, scheme)
        try:
            run = run_match(actor=None, scheme=chosen, org=unit, processes=processes, commit=commit)
            summary = dict(run.summary)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        summary["seconds"]["total"] = round(time.perf_counter() - started, 2)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _scheme(self, unit: OrgUnit, scheme_id: int | None) -> Scheme:
        if scheme_id is not None:
            scheme = Scheme.objects.select_related("org_unit").filter(pk=scheme_id).first()
            if scheme is None:
                raise CommandError(f"scheme {scheme_id} not found")
            return scheme
        ancestors = [*unit.ancestors(), unit]
        scheme = (
            Scheme.objects.filter(org_unit__in=ancestors, active=True)
            .select_related("org_unit")
            .order_by("-org_unit__depth", "pk")
            .first()
        )
        if scheme is None:
            raise CommandError("no scheme covers this org unit; create one on the pairing page or pass --scheme")
        return scheme
