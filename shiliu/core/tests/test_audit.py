import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from shiliu.core.audit import audit, audit_verify
from shiliu.core.models import AuditEvent


@pytest.mark.django_db
def test_chain_verifies_and_detects_tampering():
    for i in range(5):
        audit(None, "test.event", username=f"u{i}", detail={"i": i})
    assert audit_verify().ok
    call_command("audit_verify")
    third = AuditEvent.objects.order_by("seq")[2]
    # Tamper below the ORM (which refuses), as an attacker with database access would.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE core_auditevent SET username = %s WHERE seq = %s", ["mallory", third.seq])
    report = audit_verify()
    assert report.broken_seq == third.seq
    with pytest.raises(CommandError, match=str(third.seq)):
        call_command("audit_verify")


@pytest.mark.django_db
def test_deleted_row_breaks_the_link():
    for i in range(4):
        audit(None, "test.event", username=f"u{i}")
    second = AuditEvent.objects.order_by("seq")[1]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM core_auditevent WHERE seq = %s", [second.seq])
    report = audit_verify()
    assert report.broken_seq == second.seq + 1
    assert "链接" in report.reason


@pytest.mark.django_db
def test_no_update_or_delete_path_in_code():
    event = audit(None, "test.event", username="x")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="other")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.django_db
def test_database_refuses_update_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    from django.db import DatabaseError, transaction

    event = audit(None, "test.event", username="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action='x' WHERE seq=%s", [event.seq])
