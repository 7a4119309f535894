"""Security events: every sign-in, failure, sign-out and lockout is one row, with the
username as typed, the client's address and user agent, never a password; the table is
append-only in PostgreSQL (pgtrigger), except rows past the retention; administrators
and the data-protection officer read it in the back office, nobody edits it there."""

import pytest
from axes.models import AccessAttempt
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from security.events import purge_old_events, record_event
from security.models import MIN_RETENTION_DAYS, SecurityEvent
from services.models import Role
from services.roles import grant_role_group
from tests.auth import verified_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery staple"
WRONG = "Tr0ub4dor&3-wrong"
HERE = "203.0.113.10"
LOGIN = "/workspace/login/"


def login(username, password, address=HERE, **extra):
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT="Firefox/140 test").post(
        LOGIN, {"username": username, "password": password}, **extra
    )


def all_text_of_events() -> str:
    return " ".join(
        f"{e.kind} {e.username} {e.address} {e.user_agent} {e.details}"
        for e in SecurityEvent.objects.all()
    )


def test_a_failed_login_is_recorded_with_the_typed_username_and_address():
    user = UserFactory(username="mrossi", password=RIGHT)
    response = login("mrossi", WRONG)
    assert response.status_code == 200
    event = SecurityEvent.objects.get()
    assert event.kind == "login_failed"
    assert event.username == "mrossi"
    assert event.user == user
    assert event.address == HERE
    assert event.user_agent == "Firefox/140 test"
    assert event.details == {"path": LOGIN}
    # The password is nowhere: not in the events, not in axes' record of the attempt.
    assert WRONG not in all_text_of_events()
    attempt = AccessAttempt.objects.get()
    assert WRONG not in attempt.post_data and WRONG not in attempt.get_data


def test_a_failure_for_an_unknown_username_is_recorded_as_typed():
    login("nobody-by-this-name", WRONG)
    event = SecurityEvent.objects.get()
    assert (event.kind, event.username, event.user) == ("login_failed", "nobody-by-this-name", None)


def test_a_forged_forwarded_header_is_not_the_address(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    login("mrossi", WRONG, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert SecurityEvent.objects.get().address == HERE


def test_a_login_and_a_logout_are_recorded():
    user = UserFactory(username="mrossi", password=RIGHT)
    client = Client(REMOTE_ADDR=HERE)
    assert client.post(LOGIN, {"username": "mrossi", "password": RIGHT}).status_code == 302
    client.post(reverse("workspace:logout"))
    events = list(SecurityEvent.objects.order_by("pk").values_list("kind", "user", "address"))
    assert events == [("login_ok", user.pk, HERE), ("logout", user.pk, HERE)]
    assert RIGHT not in all_text_of_events()


def test_a_lockout_is_recorded(settings):
    UserFactory(username="mrossi", password=RIGHT)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login("mrossi", WRONG)
    locked = SecurityEvent.objects.filter(kind="login_locked")
    assert locked.count() == 1
    assert (locked.get().username, locked.get().address) == ("mrossi", HERE)
    # Refused with the right password: one more failure and one more lockout event.
    assert login("mrossi", RIGHT).status_code == 429
    assert locked.count() == 2
    assert SecurityEvent.objects.filter(kind="login_failed").count() == 31
    assert not SecurityEvent.objects.filter(kind="login_ok").exists()


def test_record_event_truncates_what_was_typed():
    event = record_event(None, "login_failed", username="x" * 500)
    assert len(event.username) == 150
    assert event.address is None


# --- Append-only in the database -------------------------------------------------------


def test_the_table_name():
    assert SecurityEvent._meta.db_table == "security_securityevent"


def refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as error:
        assert "pgtrigger: Cannot" in str(error)
        return True
    return False


def test_postgresql_refuses_update_and_delete_of_an_event():
    event = record_event(None, "login_failed", username="mrossi")
    assert refused(
        "UPDATE security_securityevent SET username = 'someone-else' WHERE id = %s", [event.pk]
    )
    assert refused(
        "UPDATE security_securityevent SET details = '{}'::jsonb WHERE id = %s", [event.pk]
    )
    assert refused("DELETE FROM security_securityevent WHERE id = %s", [event.pk])
    # The ORM goes through the same triggers.
    with pytest.raises(DatabaseError), transaction.atomic():
        SecurityEvent.objects.filter(pk=event.pk).update(kind="login_ok")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    event.refresh_from_db()
    assert (event.kind, event.username) == ("login_failed", "mrossi")


def test_rows_past_the_retention_may_be_deleted_younger_ones_not():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO security_securityevent (kind, at, username, user_agent, details) VALUES"
            " ('login_failed', now() - make_interval(days => %s), 'old', '', '{}'),"
            " ('login_failed', now() - make_interval(days => %s), 'young', '', '{}')",
            [MIN_RETENTION_DAYS + 1, MIN_RETENTION_DAYS - 1],
        )
    assert not refused("DELETE FROM security_securityevent WHERE username = 'old'")
    assert refused("DELETE FROM security_securityevent WHERE username = 'young'")
    assert list(SecurityEvent.objects.values_list("username", flat=True)) == ["young"]


def test_deleting_an_account_unlinks_its_events_and_keeps_the_username():
    user = UserFactory(username="mrossi")
    event = record_event(None, "login_ok", user=user)
    user.delete()
    event.refresh_from_db()
    assert (event.user, event.username, event.kind) == (None, "mrossi", "login_ok")
    # Unlinking is the only change allowed: not together with another column.
    other = UserFactory(username="lverdi")
    second = record_event(None, "login_ok", user=other)
    assert refused(
        "UPDATE security_securityevent SET user_id = NULL, username = 'x' WHERE id = %s",
        [second.pk],
    )


# --- The back office: read-only, for administrators and the data-protection officer ----


@pytest.fixture
def data_protection_officer(make_member):
    return make_member(Role.DATA_PROTECTION)


def admin_client(user, role) -> Client:
    grant_role_group(user, role)
    client = Client()
    verified_login(client, user)
    return client


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.DATA_PROTECTION])
def test_administrators_and_the_dpo_read_events_and_change_nothing(role, make_member, settings):
    user = make_member(role)
    client = admin_client(user, role)
    event = record_event(None, "login_failed", username="mrossi")
    record_event(None, "login_ok", username="lverdi")
    changelist = reverse("admin:security_securityevent_changelist")

    listing = client.get(changelist)
    assert listing.status_code == 200
    assert "mrossi" in listing.content.decode()
    searched = client.get(changelist, {"q": "lverdi"}).content.decode()
    assert "lverdi" in searched and "mrossi" not in searched
    filtered = client.get(changelist, {"kind__exact": "login_failed"}).content.decode()
    assert "mrossi" in filtered and "lverdi" not in filtered

    detail = client.get(reverse("admin:security_securityevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert 'name="username"' not in detail.content.decode()  # shown, not editable
    assert client.get(reverse("admin:security_securityevent_add")).status_code == 403
    delete = reverse("admin:security_securityevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_a_social_worker_does_not_see_the_events(social_worker):
    assert not social_worker.has_perm("security.view_securityevent")
    client = Client()
    verified_login(client, social_worker)
    response = client.get(reverse("admin:security_securityevent_changelist"))
    assert response.status_code in (302, 403)


def test_the_purge_deletes_only_what_is_past_the_retention(settings):
    settings.SECURITY_EVENT_RETENTION_DAYS = 800
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO security_securityevent (kind, at, username, user_agent, details)"
            " SELECT 'login_failed', now() - make_interval(days => d), 'aged-' || d, '', '{}'"
            " FROM unnest(ARRAY[10, 731, 799, 801, 1200]) AS d"
        )
    assert purge_old_events() == 2
    kept = set(SecurityEvent.objects.values_list("username", flat=True))
    assert kept == {"aged-10", "aged-731", "aged-799"}
    # A retention below 24 months is not honoured: the 730-day floor stays.
    settings.SECURITY_EVENT_RETENTION_DAYS = 30
    assert purge_old_events() == 2
    assert set(SecurityEvent.objects.values_list("username", flat=True)) == {"aged-10"}
