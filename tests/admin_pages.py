"""Helpers shared by the back-office tests (tests/*/test_admin.py).

* ``staff(user, role)`` derives a user's permission groups from their memberships, as the
  membership actions do, so that the user may open the back office at all;
* ``admin_world()`` is the world of ``tests.world`` with the role groups granted and a row
  of every registered model, so that every model has a list, a form and a row to open;
* ``form_data(response)`` reads a rendered change form back into the POST data that
  saves it unchanged (inlines included), for tests that then change one field;
* ``changelist_queries(client, model)`` counts the queries of a list page.
"""

from __future__ import annotations

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin import FieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.access_log import log_access
from gaps.models import CoverageResult, CoverageRun, PopulationFigure, Standard, TravelTime
from partners.onboarding import register_partner
from registry.admin import SEEN_VERSION
from security.models import SecurityEvent
from services.models import Role
from services.roles import ROLE_PERMISSIONS, group_name, sync_user_groups
from tests.factories import (
    CapacityFactory,
    OpeningHoursFactory,
    ServiceAtSiteFactory,
    SiteFactory,
    ZoneFactory,
)
from tests.world import MEMBERS, World, build_world

# The roles a world user has (world user name -> role), for the permission matrices.
ROLE_OF = {name: role for name, (_org, role, _active, _user_active) in MEMBERS.items()}
# One active user per role, by world user name.
ROLE_USERS = {
    Role.SOCIAL_WORKER: "social_worker",
    Role.COORDINATOR: "coordinator",
    Role.PROVIDER_STAFF: "provider_staff",
    Role.OFFICIAL: "official",
    Role.ADMINISTRATOR: "administrator",
}


def registered_models() -> list:
    """Every model with a page in the back office, in a stable order. A report that only
    borrows a model's place in the admin (``report_page = True``: e.g. the access report on
    the access log) has no list or change page; its own tests cover it."""
    return sorted(
        (
            model
            for model, page in admin.site._registry.items()
            if not getattr(page, "report_page", False)
        ),
        key=lambda model: model._meta.label,
    )


def model_id(model) -> str:
    return model._meta.label_lower


def model_admin(model):
    return admin.site._registry[model]


def is_personal(model) -> bool:
    """Personal records are the models scoped by ``objects.visible_to(user)``."""
    return hasattr(model._default_manager, "visible_to")


def role_may_open(role: str, model) -> bool:
    """Whether the role's permission table lets it open the model's list (view or change)."""
    app, name = model._meta.app_label, model._meta.model_name
    perms = set(ROLE_PERMISSIONS[role])
    return f"{app}.view_{name}" in perms or f"{app}.change_{name}" in perms


def url(model, view: str, *args) -> str:
    """The admin URL of a model's page: ``changelist``, ``add``, ``change``, ``delete``..."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def staff(user, role: str):
    """Derive the user's groups from their memberships, as every membership action does
    (``services.roles.sync_user_groups``). A user whose membership does not count (inactive,
    or of an inactive organisation) gets no group that way: they are given the role's group
    by hand, as a group left over from before memberships were the one source of roles
    would be, so that the matrices show the scoping still grants them nothing."""
    sync_user_groups(user)
    if not user.groups.filter(name=group_name(role)).exists():
        user.groups.add(Group.objects.get(name=group_name(role)))
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def request_for(user):
    """A bare GET request of the user, to ask a model admin what it would show them."""
    request = RequestFactory().get("/admin/")
    request.user = user if user is not None else AnonymousUser()
    return request


def admin_world() -> World:
    """The visibility world, with every member in their role's group and a row of each
    directory model (the world itself has none of sites, offerings and zones)."""
    world = build_world()
    for name, role in ROLE_OF.items():
        staff(world.users[name], role)
    records = world.records
    provider = records["r1"].service.organisation
    records["site_p"] = SiteFactory(organisation=provider)
    records["offering_p"] = ServiceAtSiteFactory(
        service=records["r1"].service, site=records["site_p"]
    )
    records["capacity_p"] = CapacityFactory(offering=records["offering_p"])
    records["hours_p"] = OpeningHoursFactory(offering=records["offering_p"])
    municipality = records["b1"].residence_municipality
    records["zone"] = ZoneFactory(
        metropolitan_city=municipality.metropolitan_city, municipalities=[municipality]
    )
    register_partner("Gestionale", provider, Role.PROVIDER_STAFF, ["directory:read"])
    log_access(request_for(world.users["social_worker"]), [records["b1"]], via="admin")
    PopulationFigure.objects.create(
        municipality=municipality, group="women", year=2023, population=1200, source="ISTAT"
    )
    TravelTime.objects.create(
        municipality=municipality, site=records["site_p"], minutes=12.5, source="OSRM"
    )
    # A lockout, a sign-in and a failed one (django-axes' admins), and a security event.
    address = {"ip_address": "192.0.2.10", "user_agent": "pytest", "path_info": "/workspace/login/"}
    AccessAttempt.objects.create(username="mallory", failures_since_start=3, **address)
    AccessLog.objects.create(username="social_worker", **address)
    AccessFailureLog.objects.create(username="mallory", locked_out=False, **address)
    SecurityEvent.objects.create(kind="login_failed", username="mallory", address="192.0.2.10")
    # A second factor (django-otp's device admins): an authenticator and recovery codes.
    worker = world.users["social_worker"]
    TOTPDevice.objects.create(user=worker, name="authenticator", confirmed=True)
    recovery = StaticDevice.objects.create(user=worker, name="recovery codes", confirmed=True)
    recovery.token_set.create(token=StaticToken.random_token())
    # A finished run with one result row (a real run is exercised in tests/gaps).
    run = CoverageRun.objects.create(
        scope="admin-world", trigger="manual", status="complete", finished_at=timezone.now()
    )
    CoverageResult.objects.create(
        run=run,
        standard=Standard.objects.get(code="shelter-family-places"),
        area_kind="municipality",
        municipality=municipality,
        population_used=float(municipality.population),
        group_known=True,
        supply=0.0,
        site_count=0,
        present=False,
        requirement=2.5,
        gap=2.5,
        ratio=0.0,
        accessibility=0.0,
        waiting=0.0,
        free_places=0.0,
        unmet=0.0,
    )
    return world


def opener(world: World, model):
    """Who opens a model's pages in the page tests: the social worker for personal records
    (rows of their own organisation), the administrator for the rest, and the superuser
    for what no role may open (e.g. permission groups)."""
    if is_personal(model):
        return world.users["social_worker"]
    administrator = world.users["administrator"]
    app, name = model._meta.app_label, model._meta.model_name
    if administrator.has_perm(f"{app}.view_{name}"):
        return administrator
    return world.users["superuser"]


def first_visible_row(model, user):
    """A row the model admin would list for the user (None if there is none)."""
    return model_admin(model).get_queryset(request_for(user)).order_by("pk").first()


def changelist_pks(response) -> set:
    return {obj.pk for obj in response.context["cl"].result_list}


def filter_links(response) -> dict[str, list[str]]:
    """The query strings of every choice of every list filter of a changelist, by filter.

    Built as ``ChangeList.get_filters`` builds them, but keeping the filters the page
    hides because they have a single choice (their parameter still reaches the view).
    """
    cl, request = response.context["cl"], response.wsgi_request
    links = {}
    for list_filter in cl.list_filter:
        if callable(list_filter):
            spec = list_filter(request, {}, cl.model, cl.model_admin)
            name = list_filter.__name__
        else:
            path, filter_class = (
                list_filter
                if isinstance(list_filter, list | tuple)
                else (list_filter, FieldListFilter.create)
            )
            field = get_fields_from_path(cl.model, path)[-1]
            spec = filter_class(field, request, {}, cl.model, cl.model_admin, field_path=path)
            name = path
        links[name] = [
            choice["query_string"] for choice in spec.choices(cl) if "query_string" in choice
        ]
    return links


def offered_actions(response) -> set[str]:
    """The actions of a changelist's action menu (none when the menu is not shown)."""
    form = response.context["action_form"]
    if form is None:
        return set()
    return {value for value, _label in form.fields["action"].choices if value}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def changelist_queries(client, model, **params) -> int:
    """The number of queries a changelist page makes (after a warm-up request, so that
    per-process caches such as content types do not count)."""
    address = url(model, "changelist")
    client.get(address, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address, params)
    assert response.status_code == 200
    return len(queries)


def _post_value(bound_field):
    value = bound_field.value()
    if value is None or value is False:
        return None
    if value is True:
        return "on"
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _form_fields(form) -> dict:
    data = {}
    for bound_field in form:
        value = _post_value(bound_field)
        if value is not None:
            data[bound_field.html_name] = value
    return data


def form_data(response) -> dict:
    """The POST data that saves a rendered change form as it is shown, with its inlines
    and the record version the page was opened at."""
    context = response.context
    data = _form_fields(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_fields(formset.management_form))
        for form in formset.forms:
            data.update(_form_fields(form))
    if context.get("seen_version"):
        data[SEEN_VERSION] = str(context["seen_version"])
    data["_save"] = "Save"
    return data
