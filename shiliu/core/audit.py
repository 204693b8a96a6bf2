"""Writing and verifying the security event log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone

from shiliu.core.context import client_ip, current_request
from shiliu.core.models import AuditEvent

_LOCK_KEY = 727_110_001


def _lock_chain() -> None:
    """Serialise appends so each row links to the one before it.

    SQLite transactions here are IMMEDIATE, which already serialises writers; PostgreSQL
    takes a transaction-scoped advisory lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def audit(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    result: str = AuditEvent.Result.OK,
    detail: dict | None = None,
    username: str | None = None,
    request=None,
) -> AuditEvent:
    """Append one security event, chained to the previous one."""
    request = request or current_request.get()
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-seq").values_list("hash", flat=True).first()
        event = AuditEvent(
            at=timezone.now(),
            user_id=user.pk if user else None,
            username=username if username is not None else (user.username if user else ""),
            org_code=user.primary_org_code() if user else "",
            ip=client_ip(request),
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            result=result,
            detail=detail or {},
            prev_hash=last or AuditEvent.GENESIS,
        )
        event.hash = event.compute_hash()
        event.save()
    return event


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def audit_verify(batch: int = 5000) -> ChainReport:
    """Walk the chain in order; report the first row whose link or content does not match."""
    prev = AuditEvent.GENESIS
    checked = 0
    last_seq = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not rows:
            return ChainReport(checked, None, "")
        for row in rows:
            if row.prev_hash != prev:
                return ChainReport(checked, row.seq, "链接断开：上一条记录的哈希不符（记录被删除或插入）")
            if row.compute_hash() != row.hash:
                return ChainReport(checked, row.seq, "内容被篡改：哈希不符")
            prev = row.hash
            checked += 1
            last_seq = row.seq
