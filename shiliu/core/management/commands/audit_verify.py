import json

from django.core.management.base import BaseCommand, CommandError

from shiliu.core.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the security event log; report the first broken row."

    def handle(self, *args, **options):
        report = audit_verify()
        if not report.ok:
            raise CommandError(
                json.dumps(
                    {"ok": False, "checked": report.checked, "broken_seq": report.broken_seq, "reason": report.reason},
                    ensure_ascii=False,
                )
            )
        self.stdout.write(json.dumps({"ok": True, "checked": report.checked}))
