"""Coverage standards are data: seeded with the real ones, each with its source, and
edited by officials in the admin (issue 4, part 1)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from gaps.models import Standard
from services.models import Role
from services.roles import grant_role_group
from tests.auth import verified_login

pytestmark = pytest.mark.django_db


def test_the_reference_standards_are_seeded_with_their_sources():
    seeded = {s.code: s for s in Standard.objects.select_related("category")}
    workers = seeded["social-workers-1-per-5000"]
    assert (workers.kind, workers.category.code, workers.supply_measure) == (
        "ratio",
        "access.social-work",
        "staff_fte",
    )
    assert (workers.units, workers.per_inhabitants, workers.zone_kind) == (
        Decimal("1"),
        5000,
        "ats",
    )
    assert workers.source == "Law 178/2020, art. 1 c. 797 (LEPS)"
    assert seeded["social-workers-1-per-4000"].per_inhabitants == 4000
    centres = seeded["anti-violence-centres"]
    assert (centres.supply_measure, centres.per_inhabitants, centres.population_group) == (
        "sites",
        50000,
        "women",
    )
    assert seeded["rape-crisis-centres"].per_inhabitants == 200000
    assert seeded["shelter-family-places"].source.startswith("Council of Europe")
    presence = {code for code, s in seeded.items() if s.kind == "presence"}
    assert presence == {
        "emergency-social-service-in-every-ambito",
        "housing-first-in-every-ambito",
        "pippi-in-every-ambito",
        "supervision-in-every-ambito",
    }
    assert all(seeded[code].zone_kind == "ats" for code in presence)
    assert all(s.source for s in seeded.values())


def test_an_official_edits_a_standard_in_the_admin(client, make_member):
    official = make_member(Role.OFFICIAL)
    grant_role_group(official, Role.OFFICIAL)
    verified_login(client, official)
    shelter = Standard.objects.get(code="shelter-family-places")
    version = shelter.version
    url = reverse("admin:gaps_standard_change", args=[shelter.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data["per_inhabitants"] = 7500
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    shelter.refresh_from_db()
    assert shelter.per_inhabitants == 7500
    assert shelter.version == version + 1


def test_a_social_worker_cannot_change_standards(client, make_member):
    worker = make_member(Role.SOCIAL_WORKER)
    grant_role_group(worker, Role.SOCIAL_WORKER)
    verified_login(client, worker)
    response = client.get(reverse("admin:gaps_standard_changelist"))
    assert response.status_code == 403
