"""Every page of the back office opens for whoever may open it, and for nobody else.

The models come from the admin registry itself, so a new model admin is covered as soon
as it is registered: its list, add page, change page, search box and filters must open
(for the social worker on personal records, the administrator elsewhere), and its list
must answer 403 to every role whose permission table does not include it.

Also here: the territory lists (municipalities, metropolitan cities, zones) make the
same number of queries for 3 rows as for 30.
"""

import pytest

from registry.models import MetropolitanCity, Municipality, Zone
from services.models import Role
from tests.admin_pages import (
    ROLE_USERS,
    admin_world,
    changelist_queries,
    filter_links,
    first_visible_row,
    is_personal,
    model_admin,
    model_id,
    opener,
    registered_models,
    request_for,
    role_may_open,
    staff,
    url,
)
from tests.auth import verified_login
from tests.factories import MetropolitanCityFactory, MunicipalityFactory, UserFactory, ZoneFactory

pytestmark = pytest.mark.django_db

MODELS = registered_models()


@pytest.fixture
def world():
    return admin_world()


def _model(label):
    return next(model for model in MODELS if model._meta.label == label)


def test_the_pages_cover_every_personal_model():
    personal = {model._meta.label for model in MODELS if is_personal(model)}
    assert personal == {
        "beneficiaries.Beneficiary",
        "beneficiaries.Case",
        "beneficiaries.Need",
        "beneficiaries.Referral",
        "beneficiaries.Consent",
        "beneficiaries.Note",
        "housing.Placement",
    }


# --- Pages open for whoever has the permission ------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_changelist_opens_for_a_user_with_the_permission(client, world, model):
    user = opener(world, model)
    verified_login(client, user)
    response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1, "the page tests need a row to show"


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_add_page_opens_where_adding_is_allowed(client, world, model):
    user = opener(world, model)
    verified_login(client, user)
    response = client.get(url(model, "add"))
    expected = 200 if model_admin(model).has_add_permission(request_for(user)) else 403
    assert response.status_code == expected


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_change_page_of_a_visible_row_opens(client, world, model):
    user = opener(world, model)
    row = first_visible_row(model, user)
    assert row is not None, f"admin_world() has no {model.__name__} row visible to {user}"
    verified_login(client, user)
    response = client.get(url(model, "change", row.pk))
    assert response.status_code == 200
    assert response.context["original"].pk == row.pk


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_search_box_answers_a_term(client, world, model):
    user = opener(world, model)
    verified_login(client, user)
    for term in ("a", "Rossi", "RSSMRA80A01H501U", "2024-01-10", "0"):
        response = client.get(url(model, "changelist"), {"q": term})
        assert response.status_code == 200, term
        if model_admin(model).get_search_fields(request_for(user)):
            assert response.context["cl"].query == term


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_every_choice_of_every_list_filter_answers(client, world, model):
    user = opener(world, model)
    verified_login(client, user)
    changelist = url(model, "changelist")
    links = filter_links(client.get(changelist))
    assert len(links) == len(model_admin(model).list_filter)
    for name, query_strings in links.items():
        assert len(query_strings) >= 2, f"{name}: no choice besides 'All'"
        for query_string in query_strings:
            filtered = client.get(changelist + query_string)
            # A 302 would be the admin's answer to a lookup it does not accept (?e=1).
            assert filtered.status_code == 200, query_string


@pytest.mark.parametrize(
    "model", [model for model in MODELS if model_admin(model).date_hierarchy], ids=model_id
)
def test_date_hierarchy_drills_down_to_a_day(client, world, model):
    verified_login(client, opener(world, model))
    field = model_admin(model).date_hierarchy
    params = {f"{field}__year": "2024", f"{field}__month": "1", f"{field}__day": "10"}
    response = client.get(url(model, "changelist"), params)
    assert response.status_code == 200


# --- And for nobody else ---------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_changelist_answers_each_role_by_its_permission_table(client, world, model):
    answers, expected = {}, {}
    for role, name in ROLE_USERS.items():
        verified_login(client, world.users[name])
        answers[role] = client.get(url(model, "changelist")).status_code
        expected[role] = 200 if role_may_open(role, model) else 403
    assert answers == expected


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_staff_user_without_a_role_is_refused_every_page(client, world, model):
    verified_login(client, UserFactory(is_staff=True))
    assert client.get(url(model, "changelist")).status_code == 403
    assert client.get(url(model, "add")).status_code == 403


def test_official_may_edit_the_territory_but_not_open_personal_records(client, world):
    official = world.users["official"]
    verified_login(client, official)
    assert client.get(url(Municipality, "changelist")).status_code == 200
    assert client.get(url(Municipality, "add")).status_code == 200
    for label in ("beneficiaries.Beneficiary", "beneficiaries.Case", "housing.Placement"):
        assert client.get(url(_model(label), "changelist")).status_code == 403, label


# --- Territory lists: no query per row -------------------------------------------------


@pytest.fixture
def administrator(make_member):
    return staff(make_member(Role.ADMINISTRATOR), Role.ADMINISTRATOR)


@pytest.mark.parametrize(
    ("model", "make_row"),
    [
        (MetropolitanCity, lambda: MunicipalityFactory().metropolitan_city),
        (Municipality, MunicipalityFactory),
        (Zone, lambda: ZoneFactory(municipalities=[MunicipalityFactory()])),
    ],
    ids=["metropolitancity", "municipality", "zone"],
)
def test_territory_changelist_queries_do_not_grow_with_rows(client, administrator, model, make_row):
    verified_login(client, administrator)
    for _ in range(3):
        make_row()
    with_3 = changelist_queries(client, model)
    for _ in range(27):
        make_row()
    assert model.objects.count() >= 30
    assert changelist_queries(client, model) == with_3


def test_zone_of_a_metropolitan_city_is_listed_with_its_municipalities(client, administrator):
    city = MetropolitanCityFactory()
    zone = ZoneFactory(
        metropolitan_city=city,
        municipalities=MunicipalityFactory.create_batch(2, metropolitan_city=city),
    )
    verified_login(client, administrator)
    response = client.get(url(Zone, "changelist"), {"q": zone.name})
    [listed] = response.context["cl"].result_list
    assert listed.pk == zone.pk
    assert listed.municipality_total == 2
