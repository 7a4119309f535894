"""The back office of the service directory.

* the address and coordinates of a confidential site reach only the members of the
  owning organisation: not officials, not other organisations, not superusers;
* organisations, sites and services are deactivated, never deleted;
* a stale organisation form is refused;
* lists make the same number of queries for 3 rows as for 30.
"""

import pytest

from services.models import (
    Capacity,
    Membership,
    OpeningHours,
    Organisation,
    Role,
    Service,
    ServiceAtSite,
    ServiceCategory,
    Site,
)
from tests.admin_pages import (
    changelist_pks,
    changelist_queries,
    form_data,
    offered_actions,
    staff,
    url,
)
from tests.auth import mark_reauthenticated, verified_login
from tests.factories import (
    CapacityFactory,
    MembershipFactory,
    OpeningHoursFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

ADDRESS = "Vicolo Nascosto 17"
LATITUDE, LONGITUDE = 41.987654, 12.345678
SECRETS = (ADDRESS, str(LATITUDE), str(LONGITUDE))


@pytest.fixture
def shelter(provider_organisation):
    """A confidential site of the provider P (e.g. a women's shelter)."""
    return SiteFactory(
        organisation=provider_organisation,
        name="Casa rifugio",
        confidential=True,
        public_contact="Numero verde 1522",
        address=ADDRESS,
        latitude=LATITUDE,
        longitude=LONGITUDE,
    )


@pytest.fixture
def users(make_member, provider_organisation, superuser):
    """Staff of P (the owner), staff of another provider, an official, an administrator
    of the municipality, and a superuser without membership."""
    other_provider = OrganisationFactory()
    members = {
        "owner_staff": (Role.PROVIDER_STAFF, provider_organisation),
        "other_staff": (Role.PROVIDER_STAFF, other_provider),
        "official": (Role.OFFICIAL, None),
        "administrator": (Role.ADMINISTRATOR, None),
    }
    result = {}
    for name, (role, organisation) in members.items():
        extra = {"organisation": organisation} if organisation else {}
        result[name] = staff(make_member(role, **extra), role)
    result["superuser"] = superuser
    return result


def _body(client, address, **params) -> str:
    response = client.get(address, params)
    assert response.status_code == 200
    return response.content.decode()


# --- Confidential sites -----------------------------------------------------------------


def test_owner_staff_sees_the_address_and_coordinates_of_its_confidential_site(
    client, shelter, users
):
    verified_login(client, users["owner_staff"])
    change_page = _body(client, url(Site, "change", shelter.pk))
    for secret in SECRETS:
        assert secret in change_page
    assert ADDRESS in _body(client, url(Site, "changelist"))


@pytest.mark.parametrize("viewer", ["official", "other_staff", "administrator", "superuser"])
def test_outsiders_never_see_the_address_of_a_confidential_site(client, shelter, users, viewer):
    verified_login(client, users[viewer])
    changelist = _body(client, url(Site, "changelist"))
    change_page = _body(client, url(Site, "change", shelter.pk))
    assert shelter.name in changelist
    assert "(confidential)" in changelist
    assert "Confidential: visible only to the members of the owning organisation." in change_page
    for page in (changelist, change_page):
        for secret in SECRETS:
            assert secret not in page


@pytest.mark.parametrize("viewer", ["official", "other_staff", "superuser"])
def test_searching_a_confidential_address_finds_nothing_for_outsiders(
    client, shelter, users, viewer
):
    verified_login(client, users[viewer])
    response = client.get(url(Site, "changelist"), {"q": "Nascosto"})
    assert response.context["cl"].result_count == 0


def test_searching_its_own_confidential_address_finds_the_site(client, shelter, users):
    verified_login(client, users["owner_staff"])
    response = client.get(url(Site, "changelist"), {"q": "Nascosto"})
    assert changelist_pks(response) == {shelter.pk}


def _answer(client, model, query_string):
    """What a changelist filtered by a URL lookup tells: its status and row count."""
    response = client.get(url(model, "changelist") + "?" + query_string)
    count = response.context["cl"].result_count if response.status_code == 200 else None
    return response.status_code, count


# A right guess and a wrong one about the shelter's address or coordinates.
GUESSES = [
    ("address__icontains=Nascosto", "address__icontains=Sbagliato"),
    ("address__istartswith=V", "address__istartswith=Q"),
    (f"latitude__gte={LATITUDE - 0.1}", f"latitude__gte={LATITUDE + 0.1}"),
    (f"longitude__lte={LONGITUDE + 0.1}", f"longitude__lte={LONGITUDE - 0.1}"),
]


def test_url_lookups_on_a_withheld_address_tell_nothing(client, shelter, users):
    # The admin applies any lookup on a model's own fields given in the query string:
    # if the list answered a right guess differently from a wrong one, guessing letter
    # by letter (or halving the coordinates) would reveal where the shelter is.
    telling = []
    for viewer in ("official", "other_staff", "superuser"):
        verified_login(client, users[viewer])
        for right, wrong in GUESSES:
            right_answer, wrong_answer = _answer(client, Site, right), _answer(client, Site, wrong)
            if right_answer != wrong_answer:
                telling.append((viewer, right, right_answer, wrong_answer))
    assert telling == []


def test_a_site_hosting_a_confidential_service_withholds_its_address(
    client, provider_organisation, users
):
    site = SiteFactory(organisation=provider_organisation, address="Via del Rifugio 3")
    service = ServiceFactory(
        organisation=provider_organisation, confidential=True, public_contact="1522"
    )
    ServiceAtSiteFactory(service=service, site=site)
    verified_login(client, users["official"])
    assert "Via del Rifugio 3" not in _body(client, url(Site, "changelist"))
    assert "Via del Rifugio 3" not in _body(client, url(Site, "change", site.pk))
    assert client.get(url(Site, "changelist"), {"q": "Rifugio"}).context["cl"].result_count == 0


def test_an_ordinary_site_address_is_public(client, provider_organisation, users):
    site = SiteFactory(organisation=provider_organisation, address="Piazza Aperta 1")
    verified_login(client, users["official"])
    assert "Piazza Aperta 1" in _body(client, url(Site, "changelist"))
    assert "Piazza Aperta 1" in _body(client, url(Site, "change", site.pk))


def test_administrator_cannot_lift_the_confidential_flag_of_another_organisations_site(
    client, shelter, users
):
    verified_login(client, users["administrator"])
    response = client.get(url(Site, "change", shelter.pk))
    form = response.context["adminform"].form
    assert "confidential" not in form.fields
    assert "organisation" not in form.fields
    assert "address" not in form.fields


# --- No deletion -------------------------------------------------------------------------


@pytest.fixture
def directory(provider_organisation):
    service = ServiceFactory(organisation=provider_organisation)
    site = SiteFactory(organisation=provider_organisation)
    return {Organisation: provider_organisation, Site: site, Service: service}


@pytest.mark.parametrize("model", [Organisation, Site, Service], ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("viewer", ["administrator", "superuser", "owner_staff"])
def test_delete_view_is_forbidden(client, directory, users, model, viewer):
    obj = directory[model]
    verified_login(client, users[viewer])
    assert client.get(url(model, "delete", obj.pk)).status_code == 403
    assert client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", [Organisation, Site, Service], ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("viewer", ["administrator", "superuser"])
def test_delete_selected_is_not_offered(client, directory, users, model, viewer):
    verified_login(client, users[viewer])
    response = client.get(url(model, "changelist"))
    actions = offered_actions(response)
    assert "delete_selected" not in actions
    assert actions, "the deactivation actions are still offered"
    assert 'value="delete_selected"' not in response.content.decode()


def test_posting_delete_selected_deletes_nothing(client, directory, users):
    site = directory[Site]
    verified_login(client, users["superuser"])
    client.post(
        url(Site, "changelist"),
        {"action": "delete_selected", "_selected_action": [str(site.pk)], "post": "yes"},
    )
    assert Site.objects.filter(pk=site.pk).exists()


def test_deactivate_action_deactivates_instead(client, directory, users):
    site = directory[Site]
    verified_login(client, users["administrator"])
    response = client.post(
        url(Site, "changelist"), {"action": "deactivate", "_selected_action": [str(site.pk)]}
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.active is False


def test_deactivate_action_deactivates_the_selected_memberships(client, users):
    from core.models import AuditEntry

    membership = MembershipFactory(role=Role.PROVIDER_STAFF)
    verified_login(client, users["administrator"])
    mark_reauthenticated(client)
    response = client.post(
        url(Membership, "changelist"),
        {"action": "deactivate", "_selected_action": [str(membership.pk)]},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.active is False
    # A domain action (services/actions/memberships.py): its one audit row, via the admin.
    entry = AuditEntry.objects.get(action="membership_deactivate", target_id=str(membership.pk))
    assert (entry.actor, entry.via, entry.fields) == (users["administrator"], "admin", ["active"])


# --- A stale form is refused ------------------------------------------------------------


def test_fresh_organisation_form_saves(client, provider_organisation, users):
    verified_login(client, users["administrator"])
    address = url(Organisation, "change", provider_organisation.pk)
    data = form_data(client.get(address))
    data["name"] = "Cooperativa Aurora"
    response = client.post(address, data)
    assert response.status_code == 302
    provider_organisation.refresh_from_db()
    assert provider_organisation.name == "Cooperativa Aurora"


def test_stale_organisation_form_is_refused_and_the_other_save_is_kept(
    client, provider_organisation, users
):
    verified_login(client, users["administrator"])
    address = url(Organisation, "change", provider_organisation.pk)
    data = form_data(client.get(address))

    meanwhile = Organisation.objects.get(pk=provider_organisation.pk)
    meanwhile.name = "Saved by a colleague"
    meanwhile.save()

    data["name"] = "My stale edit"
    response = client.post(address, data)
    assert response.status_code == 200
    # The action checks the version the form was opened at, under its row lock.
    assert "Someone else changed this record since you read it" in response.content.decode()
    provider_organisation.refresh_from_db()
    assert provider_organisation.name == "Saved by a colleague"
    assert provider_organisation.version == meanwhile.version


# --- No query per row -------------------------------------------------------------------


def _service_with_categories():
    categories = ServiceCategory.objects.order_by("code")[:2]
    return ServiceFactory(categories=list(categories))


def _membership():
    return MembershipFactory(role=Role.PROVIDER_STAFF)


ROW_MAKERS = {
    Organisation: OrganisationFactory,
    Service: _service_with_categories,
    Site: lambda: SiteFactory(confidential=True, public_contact="1522"),
    ServiceAtSite: ServiceAtSiteFactory,
    Capacity: CapacityFactory,
    OpeningHours: OpeningHoursFactory,
    Membership: _membership,
}


@pytest.mark.parametrize("model", list(ROW_MAKERS), ids=lambda model: model._meta.model_name)
def test_changelist_queries_do_not_grow_with_rows(client, users, model):
    verified_login(client, users["administrator"])
    before = model.objects.count()
    for _ in range(3):
        ROW_MAKERS[model]()
    with_3 = changelist_queries(client, model)
    for _ in range(27):
        ROW_MAKERS[model]()
    assert model.objects.count() - before == 30
    assert changelist_queries(client, model) == with_3
