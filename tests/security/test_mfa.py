"""The second factor: nothing opens on a password alone; enrolment, codes, recovery codes."""

import base64
import re
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from security.mfa.devices import mfa_required
from security.models import SecurityEvent
from services.models import Role
from tests.auth import confirmed_device, current_code, verified_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/workspace/login/"
VERIFY = "/account/verify/"
ENROL = "/account/mfa/enrol/"


def password_login(client, user, next_url: str = "") -> None:
    """The password step through the real login form (django-axes sees it)."""
    data = {"username": user.username, "password": "password"}
    if next_url:
        data["next"] = next_url
    response = client.post(LOGIN, data)
    assert response.status_code == 302, response.content.decode()[:1000]


def events(kind: str, user) -> int:
    return SecurityEvent.objects.filter(kind=kind, user=user).count()


# --- The gate -------------------------------------------------------------------------


def test_a_password_alone_does_not_open_the_workspace(client, social_worker):
    confirmed_device(social_worker)
    password_login(client, social_worker)
    response = client.get("/workspace/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert unquote(response["Location"]).endswith("next=/workspace/")
    # Every workspace page, not only the home.
    assert client.get(reverse("workspace:intake"))["Location"].startswith(VERIFY)


def test_a_password_alone_does_not_open_the_admin(client, administrator):
    confirmed_device(administrator)
    password_login(client, administrator)
    for path in ("/admin/", "/admin/beneficiaries/case/", "/admin/login/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY), path


def test_the_admin_login_form_leads_to_the_code_step(client, administrator):
    administrator.is_staff = True
    administrator.save(update_fields=["is_staff"])
    confirmed_device(administrator)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": administrator.username, "password": "password", "next": "/admin/"},
    )
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Location"].startswith(VERIFY)


def test_the_admin_site_refuses_an_unverified_session_itself(rf, administrator):
    """has_permission checks the second factor too: the admin stays shut even where the
    gate middleware would not run."""
    from django.contrib import admin
    from django_otp.middleware import OTPMiddleware

    administrator.is_staff = True
    administrator.save(update_fields=["is_staff"])
    confirmed_device(administrator)
    request = rf.get("/admin/")
    request.user = administrator
    request.session = {}
    OTPMiddleware(lambda r: None)(request)
    assert not admin.site.has_permission(request)
    request.session = {"otp_device_id": confirmed_device(administrator).persistent_id}
    request.user = administrator
    OTPMiddleware(lambda r: None)(request)
    assert admin.site.has_permission(request)


def test_a_password_alone_does_not_open_the_session_api(client, social_worker):
    confirmed_device(social_worker)
    password_login(client, social_worker)
    response = client.get("/api/v1/cases/")
    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]


def test_a_verified_session_opens_the_api(client, social_worker):
    verified_login(client, social_worker)
    assert client.get("/api/v1/cases/").status_code == 200


def test_an_htmx_request_of_an_unverified_session_is_sent_to_the_code_step(client, social_worker):
    confirmed_device(social_worker)
    password_login(client, social_worker)
    response = client.get(
        "/workspace/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/workspace/intake/"},
    )
    assert response.status_code == 403
    assert response["HX-Redirect"].startswith(VERIFY)
    assert unquote(response["HX-Redirect"]).endswith("next=/workspace/intake/")


def test_the_sign_in_pages_stay_open_to_an_unverified_session(client, social_worker):
    confirmed_device(social_worker)
    password_login(client, social_worker)
    assert client.get(VERIFY).status_code == 200
    # Static files are not sent to the code step.
    assert client.get("/static/workspace/workspace.css").status_code != 302
    response = client.post(reverse("workspace:logout"))
    assert response.status_code == 302
    assert client.get("/workspace/")["Location"].startswith(LOGIN)


# --- The code step --------------------------------------------------------------------


def test_the_right_code_opens_the_page_asked_for(client, social_worker):
    device = confirmed_device(social_worker)
    password_login(client, social_worker, next_url="/workspace/intake/")
    response = client.post(
        VERIFY, {"otp_token": current_code(device), "next": "/workspace/intake/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/workspace/intake/"
    assert client.get("/workspace/").status_code == 200
    assert client.get("/admin/").status_code in (200, 302)
    assert events("mfa_verified", social_worker) == 1


def test_a_wrong_code_is_refused_with_a_message(client, social_worker):
    device = confirmed_device(social_worker)
    password_login(client, social_worker)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"otp_token": wrong, "next": "/workspace/"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The code is wrong or has expired" in page
    assert client.get("/workspace/")["Location"].startswith(VERIFY)
    assert events("mfa_failed", social_worker) == 1


def test_a_code_of_the_wrong_shape_is_explained(client, social_worker):
    confirmed_device(social_worker)
    password_login(client, social_worker)
    response = client.post(VERIFY, {"otp_token": "", "next": "/workspace/"})
    assert "This field is required." in response.content.decode()


def test_wrong_codes_are_throttled_even_before_a_right_one(client, social_worker):
    """Each wrong code doubles the wait before the next attempt (django-otp's throttling),
    and the page says until when."""
    device = confirmed_device(social_worker)
    password_login(client, social_worker)
    with freeze_time("2026-03-02 09:00:00") as clock:
        code = current_code(device)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        client.post(VERIFY, {"otp_token": wrong})
        # One failure: the next attempt must wait 1 s, even with the right code.
        response = client.post(VERIFY, {"otp_token": code})
        assert response.status_code == 200
        assert "Too many wrong codes. Wait until" in response.content.decode()
        clock.tick(1.5)
        client.post(VERIFY, {"otp_token": wrong})
        device.refresh_from_db()
        assert device.throttling_failure_count == 2
        clock.tick(1.5)  # two failures: 2 s to wait
        assert "Too many wrong codes" in client.post(VERIFY, {"otp_token": code}).content.decode()
        clock.tick(1)
        assert client.post(VERIFY, {"otp_token": code}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_code_works_once(client, social_worker):
    device = confirmed_device(social_worker)
    with freeze_time("2026-03-02 09:00:00"):
        code = current_code(device)
        password_login(client, social_worker)
        assert client.post(VERIFY, {"otp_token": code}).status_code == 302
        client.post(reverse("workspace:logout"))
        password_login(client, social_worker)
        response = client.post(VERIFY, {"otp_token": code})
        assert response.status_code == 200
        assert "each code works once" in response.content.decode()


def test_the_next_page_must_be_on_this_site(client, social_worker):
    device = confirmed_device(social_worker)
    password_login(client, social_worker)
    response = client.post(
        VERIFY, {"otp_token": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("workspace:home")


# --- Enrolment ------------------------------------------------------------------------


def enrolment_page(client):
    response = client.get(ENROL + "?next=/workspace/")
    assert response.status_code == 200
    return response.content.decode()


def test_first_login_of_a_required_role_goes_to_enrolment(client, coordinator):
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    password_login(client, coordinator)
    response = client.get("/workspace/")
    assert response["Location"].startswith(ENROL)
    # The code step sends there too, and so does the admin.
    assert client.get(VERIFY)["Location"].startswith(ENROL)
    assert client.get("/admin/")["Location"].startswith(ENROL)


def test_enrolment_shows_qr_and_secret_confirms_and_shows_recovery_codes_once(
    client, social_worker
):
    password_login(client, social_worker)
    page = enrolment_page(client)
    assert 'src="data:image/svg+xml;base64,' in page
    secret = re.search(r'<code id="mfa-secret">([A-Z2-7 ]+)</code>', page).group(1)
    # No inline script or style on the page (the CSP forbids them).
    assert "<script>" not in page and "<style" not in page and "style=" not in page
    device = TOTPDevice.objects.get(user=social_worker, confirmed=False)
    # The secret shown is the device's key, in base32 (what apps ask for).
    assert secret.replace(" ", "") == base64.b32encode(device.bin_key).decode().rstrip("=")
    # Reloading keeps the same secret (a QR code already scanned stays valid).
    assert secret in enrolment_page(client)

    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"otp_token": wrong, "next": "/workspace/"})
    assert "The code is wrong or has expired" in response.content.decode()
    device.refresh_from_db()
    device.throttle_reset()

    response = client.post(ENROL, {"otp_token": current_code(device), "next": "/workspace/"})
    assert response.status_code == 200
    page = response.content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "no-store" in response["Cache-Control"]
    device.refresh_from_db()
    assert device.confirmed
    assert events("mfa_enrolled", social_worker) == 1
    # The session is verified: the workspace opens.
    assert client.get("/workspace/").status_code == 200
    # Shown once: the enrolment page does not show them again, nor does the status page.
    assert client.get(ENROL)["Location"] == reverse("workspace:home")
    status = client.get("/account/mfa/recovery-codes/").content.decode()
    assert "10 unused recovery codes" in status
    assert not any(code in status for code in codes)


def test_a_recovery_code_works_once(client, social_worker):
    confirmed_device(social_worker)
    from security.mfa.devices import regenerate_recovery_codes

    codes = regenerate_recovery_codes(social_worker)
    password_login(client, social_worker)
    response = client.post(VERIFY, {"otp_token": codes[0].upper(), "next": "/workspace/"})
    assert response.status_code == 302
    assert client.get("/workspace/").status_code == 200
    assert events("recovery_code_used", social_worker) == 1
    assert StaticToken.objects.filter(device__user=social_worker).count() == 9

    client.post(reverse("workspace:logout"))
    password_login(client, social_worker)
    response = client.post(VERIFY, {"otp_token": codes[0], "next": "/workspace/"})
    assert response.status_code == 200
    assert "This recovery code is wrong or has already been used." in response.content.decode()
    assert client.get("/workspace/")["Location"].startswith(VERIFY)


def test_new_recovery_codes_need_reauthentication_and_replace_the_old(client, social_worker):
    from security.mfa.devices import regenerate_recovery_codes

    old = regenerate_recovery_codes(social_worker)
    verified_login(client, social_worker)
    response = client.post("/account/mfa/recovery-codes/new/")
    assert response["Location"].startswith(reverse("security:reauth"))
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old)

    from tests.auth import mark_reauthenticated

    mark_reauthenticated(client)
    response = client.post("/account/mfa/recovery-codes/new/")
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(new) == 10
    stored = set(
        StaticDevice.objects.get(user=social_worker).token_set.values_list("token", flat=True)
    )
    assert stored == set(new) and not stored & set(old)


# --- Who must enrol -------------------------------------------------------------------


def test_an_official_is_not_forced_to_enrol(client, official):
    # Officials have back-office pages (the dashboards): staff, yet not forced.
    official.is_staff = True
    official.save(update_fields=["is_staff"])
    assert not mfa_required(official)
    password_login(client, official)
    assert client.get("/workspace/")["Location"] == "/admin/"  # their home: the dashboard
    assert client.get("/admin/").status_code == 200
    # … but may enrol.
    assert client.get(ENROL).status_code == 200


def test_an_official_who_enrolled_must_give_the_code(client, official):
    confirmed_device(official)
    password_login(client, official)
    assert client.get("/workspace/")["Location"].startswith(VERIFY)


@pytest.mark.parametrize(
    "role",
    [
        Role.SOCIAL_WORKER,
        Role.COORDINATOR,
        Role.PROVIDER_STAFF,
        Role.ADMINISTRATOR,
        Role.DATA_PROTECTION,
    ],
)
def test_the_roles_that_reach_personal_data_must_enrol(make_member, role):
    assert mfa_required(make_member(role))


def test_superusers_and_staff_without_membership_must_enrol(db):
    assert mfa_required(UserFactory(is_superuser=True, is_staff=True))
    assert mfa_required(UserFactory(is_staff=True))
    assert not mfa_required(UserFactory())


def test_an_inactive_membership_does_not_force_enrolment(make_member):
    assert not mfa_required(make_member(Role.SOCIAL_WORKER, active=False))


def test_a_partner_bearer_token_is_not_a_session(client, social_worker):
    """Partner systems stay on OAuth2: a bearer request is the token's business (DRF
    refuses a bad one with 401), never sent to a code page."""
    confirmed_device(social_worker)
    password_login(client, social_worker)
    response = client.get("/api/v1/cases/", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    # The header does not open workspace pages.
    response = client.get("/workspace/", headers={"Authorization": "Bearer not-a-token"})
    assert response["Location"].startswith(VERIFY)


def test_totp_codes_are_six_digits_from_the_device_key(social_worker):
    """The helper the browser tests use computes what an authenticator app shows."""
    device = confirmed_device(social_worker)
    with freeze_time("2026-03-02 09:00:00"):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
        assert current_code(device) == f"{totp.token():06d}"
        assert device.verify_token(current_code(device))
