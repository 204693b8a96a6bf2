import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from shiliu.conftest import PASSWORD
from shiliu.core.models import AuditEvent


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.parametrize("password", ["Short1!a", "alllowercase123", "password1234", "123456789012", "Ab1Ab1Ab1Ab"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_strong_password_accepted():
    validate_password("Pomegranate-Seed-2026")


def test_login_and_logout_are_security_events(world, client):
    response = _login(client, "county_office", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.login", username="county_office", result="ok").exists()
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action="auth.logout", username="county_office").exists()


def test_five_failures_lock_the_account_even_for_the_right_password(world, client):
    for _ in range(5):
        response = _login(client, "county_office", "wrong-password-1A!")
        assert response.status_code == 200
    response = _login(client, "county_office", PASSWORD)
    assert response.status_code == 200, "a correct 6th attempt must be refused while locked"
    assert "锁定" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.lockout", username="county_office").count() == 1
    world.user("county_office").refresh_from_db()
    assert world.user("county_office").is_locked()


def test_lock_expires_after_fifteen_minutes(world, client):
    from datetime import timedelta

    from django.utils import timezone

    from shiliu.accounts.models import User

    for _ in range(5):
        _login(client, "county_office", "wrong-password-1A!")
    User.objects.filter(username="county_office").update(locked_until=timezone.now() - timedelta(seconds=1))
    assert _login(client, "county_office", PASSWORD).status_code == 302


def test_unknown_user_gets_the_same_message(world, client):
    unknown = _login(client, "nobody-here", "wrong-password-1A!").content.decode()
    known = _login(client, "county_office", "wrong-password-1A!").content.decode()
    marker = "用户名或密码错误"
    assert marker in unknown and marker in known


def test_idle_timeout_is_thirty_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_pages_need_login(client, world):
    response = client.get(reverse("people:household_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_system_admin_cannot_read_personal_data_or_the_log(world):
    client = world.client("sysadmin")
    assert client.get(reverse("people:household_detail", args=[world.household_a.pk])).status_code == 404
    assert "扎西" not in client.get(reverse("people:household_list")).content.decode()
    assert client.get("/admin/core/auditevent/").status_code in (302, 403)
    assert world.client("auditadmin").get("/admin/core/auditevent/").status_code == 200
