"""The privilege-escalation path of issue 13, end to end through the back office: an
administrator (who administers accounts and never reads personal data) tries to reach
personal data by giving itself or an accomplice a casework role, by setting someone's
password, or by ticking flags and groups. Every door answers no; the one way in is a
request that a coordinator of the organisation approves."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from beneficiaries.models import Beneficiary
from core.models import AuditEntry
from services.models import Membership, MembershipStatus, Role
from services.roles import group_name, sync_user_groups
from tests.admin_pages import changelist_pks, form_data, messages_of, url
from tests.auth import mark_reauthenticated, verified_login
from tests.factories import BeneficiaryFactory, CaseFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def people(organisation, social_worker):
    """Two people of the organisation, one in a protected case."""
    ordinary = BeneficiaryFactory(registered_by=organisation)
    CaseFactory(beneficiary=ordinary, organisation=organisation, lead_worker=social_worker)
    survivor = BeneficiaryFactory(registered_by=organisation)
    CaseFactory(
        beneficiary=survivor,
        organisation=organisation,
        lead_worker=social_worker,
        protected=True,
    )
    return {ordinary.pk, survivor.pk}


@pytest.fixture
def staffed(administrator, coordinator, social_worker):
    for user in (administrator, coordinator, social_worker):
        sync_user_groups(user)
    return {"administrator": administrator, "coordinator": coordinator}


def signed_in(client, user, *, reauthenticated=True):
    verified_login(client, user)
    if reauthenticated:
        mark_reauthenticated(client)
    return client


def add_membership(client, user, organisation, role):
    return client.post(
        url(Membership, "add"),
        {"user": user.pk, "organisation": organisation.pk, "role": role, "_save": "Save"},
    )


def reads_people(client) -> set:
    response = client.get(url(Beneficiary, "changelist"))
    if response.status_code == 403:
        return set()
    assert response.status_code == 200
    return changelist_pks(response)


def api_people(user) -> tuple[int, list]:
    api = APIClient()
    verified_login(api, user)
    response = api.get(f"{API}beneficiaries/")
    body = response.json() if response.status_code == 200 else {}
    return response.status_code, body.get("results", [])


def test_an_administrator_cannot_make_itself_coordinator(client, staffed, organisation, people):
    administrator = staffed["administrator"]
    signed_in(client, administrator)
    response = add_membership(client, administrator, organisation, Role.COORDINATOR)
    assert response.status_code == 200  # the form again, with the domain's message
    assert "Nobody changes their own memberships" in response.content.decode()
    assert not Membership.objects.filter(user=administrator, role=Role.COORDINATOR).exists()
    assert reads_people(client) == set()


def test_the_escalation_path_needs_a_coordinator_of_the_organisation(
    client, staffed, organisation, other_organisation, make_member, people
):
    administrator, coordinator = staffed["administrator"], staffed["coordinator"]
    accomplice = UserFactory(username="accomplice")

    # 1. The administrator asks for a coordinator role for someone else: a request only.
    signed_in(client, administrator)
    response = add_membership(client, accomplice, organisation, Role.COORDINATOR)
    assert response.status_code == 302
    request = Membership.objects.get(user=accomplice)
    assert (request.status, request.requested_by) == (MembershipStatus.PENDING, administrator)
    follow = client.get(response.url)
    assert any("awaits the approval" in message for message in messages_of(follow))

    # The accomplice reads nothing yet: no back office, no API.
    client.logout()
    signed_in(client, accomplice)
    assert client.get(url(Beneficiary, "changelist")).status_code == 302  # to the login
    assert api_people(accomplice)[1] == []

    # 2. The administrator cannot approve it (no coordinator role there), nor can a
    #    coordinator of another organisation.
    client.logout()
    signed_in(client, administrator)
    client.post(
        url(Membership, "changelist"),
        {"action": "approve", "_selected_action": [str(request.pk)]},
    )
    request.refresh_from_db()
    assert request.status == MembershipStatus.PENDING
    stranger = make_member(Role.COORDINATOR, organisation=other_organisation)
    sync_user_groups(stranger)
    client.logout()
    signed_in(client, stranger)
    listed = client.get(url(Membership, "changelist"), {"status__exact": "pending"})
    assert request.pk not in changelist_pks(listed)
    client.post(
        url(Membership, "changelist"),
        {"action": "approve", "_selected_action": [str(request.pk)]},
    )
    request.refresh_from_db()
    assert request.status == MembershipStatus.PENDING

    # 3. A coordinator of the organisation sees the request and approves it.
    client.logout()
    signed_in(client, coordinator)
    listed = client.get(url(Membership, "changelist"), {"status__exact": "pending"})
    assert changelist_pks(listed) == {request.pk}
    response = client.post(
        url(Membership, "changelist"),
        {"action": "approve", "_selected_action": [str(request.pk)]},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (MembershipStatus.APPROVED, coordinator)
    assert AuditEntry.objects.filter(
        action="membership_approve", actor=coordinator, via="admin"
    ).exists()

    # 4. Now the accomplice, approved by a second person, reads the organisation's people,
    #    protected case included (that is what a coordinator does).
    client.logout()
    signed_in(client, accomplice)
    assert reads_people(client) == people

    # 5. The administrator still reads no personal data, in the admin or the API.
    client.logout()
    signed_in(client, administrator)
    assert client.get(url(Beneficiary, "changelist")).status_code == 403
    status, results = api_people(administrator)
    assert status == 403 or results == []


def test_a_coordinator_cannot_approve_a_request_for_themselves(
    client, staffed, organisation, other_organisation
):
    # The administrator asks for a role for a coordinator of the organisation in another
    # organisation; a coordinator never decides on their own membership.
    administrator, coordinator = staffed["administrator"], staffed["coordinator"]
    signed_in(client, administrator)
    add_membership(client, coordinator, other_organisation, Role.COORDINATOR)
    request = Membership.objects.get(user=coordinator, organisation=other_organisation)
    assert request.status == MembershipStatus.PENDING
    client.logout()
    signed_in(client, coordinator)
    client.post(
        url(Membership, "changelist"),
        {"action": "approve", "_selected_action": [str(request.pk)]},
    )
    request.refresh_from_db()
    assert request.status == MembershipStatus.PENDING


def test_no_one_sets_another_users_password(client, staffed, social_worker):
    signed_in(client, staffed["administrator"])
    address = reverse("admin:auth_user_password_change", args=[social_worker.pk])
    before = type(social_worker).objects.get(pk=social_worker.pk).password
    assert client.get(address).status_code in (403, 404)
    response = client.post(address, {"password1": "N3w-secret-pw!", "password2": "N3w-secret-pw!"})
    assert response.status_code in (403, 404)
    assert type(social_worker).objects.get(pk=social_worker.pk).password == before
    # The change page offers no password form or link either.
    page = client.get(url(type(social_worker), "change", social_worker.pk)).content.decode()
    assert "password/" not in page


def test_flags_and_groups_cannot_be_ticked(client, staffed, official):
    sync_user_groups(official)
    signed_in(client, staffed["administrator"])
    User = type(official)
    address = url(User, "change", official.pk)
    page = client.get(address)
    form = page.context["adminform"].form
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(form.fields)
    admin_group = Group.objects.get(name=group_name(Role.ADMINISTRATOR))
    data = form_data(page)
    data.update(is_superuser="on", is_staff="on", groups=[str(admin_group.pk)])
    response = client.post(address, data)
    assert response.status_code == 302
    stored = User.objects.get(pk=official.pk)
    assert stored.is_superuser is False
    assert set(stored.groups.values_list("name", flat=True)) == {group_name(Role.OFFICIAL)}


def test_a_new_account_gets_no_password_and_an_email_to_choose_one(client, staffed):
    signed_in(client, staffed["administrator"])
    User = type(staffed["administrator"])
    response = client.post(
        url(User, "add"),
        {
            "username": "new-colleague",
            "first_name": "Nuova",
            "last_name": "Collega",
            "email": "nuova@example.org",
            "password1": "Chosen-by-the-admin-1",
            "password2": "Chosen-by-the-admin-1",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    account = User.objects.get(username="new-colleague")
    assert not account.has_usable_password()
    assert not account.is_staff and not account.groups.exists()
    assert [message.to for message in mail.outbox] == [["nuova@example.org"]]
    assert "/account/password/reset/" in mail.outbox[0].body


def test_the_reset_email_action_sends_a_link_to_the_chosen_user(client, staffed, social_worker):
    signed_in(client, staffed["administrator"])
    response = client.post(
        url(type(social_worker), "changelist"),
        {"action": "send_password_reset", "_selected_action": [str(social_worker.pk)]},
    )
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[social_worker.email]]


def test_the_email_of_an_account_that_reads_personal_data_stays_as_it_is(
    client, staffed, social_worker
):
    # Else a reset link sent to a changed address would hand the account over.
    signed_in(client, staffed["administrator"])
    User = type(social_worker)
    page = client.get(url(User, "change", social_worker.pk))
    assert "email" not in page.context["adminform"].form.fields


def test_the_membership_inline_writes_nothing(client, staffed, social_worker, other_organisation):
    signed_in(client, staffed["administrator"])
    User = type(social_worker)
    address = url(User, "change", social_worker.pk)
    page = client.get(address)
    inline = page.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission and not inline.has_change_permission
    count = Membership.objects.count()
    data = form_data(page)
    data.update(
        {
            "memberships-TOTAL_FORMS": "2",
            "memberships-1-organisation": str(other_organisation.pk),
            "memberships-1-role": Role.COORDINATOR,
            "memberships-1-active": "on",
        }
    )
    client.post(address, data)
    assert Membership.objects.count() == count
    assert not Membership.objects.filter(user=social_worker, role=Role.COORDINATOR).exists()


# --- Re-authentication before membership and permission changes ----------------------------


def test_adding_a_membership_needs_a_recent_reauthentication(client, staffed, organisation):
    administrator = staffed["administrator"]
    signed_in(client, administrator, reauthenticated=False)
    newcomer = UserFactory()
    response = add_membership(client, newcomer, organisation, Role.OFFICIAL)
    assert response.status_code == 302
    assert "/account/reauth/" in response.url
    assert not Membership.objects.filter(user=newcomer).exists()
    # After re-authenticating, the same request goes through.
    mark_reauthenticated(client)
    assert add_membership(client, newcomer, organisation, Role.OFFICIAL).status_code == 302
    assert Membership.objects.get(user=newcomer).status == MembershipStatus.APPROVED


def test_list_actions_on_memberships_need_a_recent_reauthentication(client, staffed, social_worker):
    signed_in(client, staffed["coordinator"], reauthenticated=False)
    membership = social_worker.memberships.get()
    response = client.post(
        url(Membership, "changelist"),
        {"action": "deactivate", "_selected_action": [str(membership.pk)]},
    )
    assert response.status_code == 302 and "/account/reauth/" in response.url
    membership.refresh_from_db()
    assert membership.active is True


def test_deactivating_an_account_needs_a_recent_reauthentication(client, staffed, social_worker):
    signed_in(client, staffed["administrator"], reauthenticated=False)
    User = type(social_worker)
    address = url(User, "change", social_worker.pk)
    data = form_data(client.get(address))
    data.pop("is_active")  # unticked
    response = client.post(address, data)
    assert response.status_code == 302 and "/account/reauth/" in response.url
    assert User.objects.get(pk=social_worker.pk).is_active is True
