"""`seed_demo`: deterministic, realistic, complete, and safe to run twice."""

import datetime
import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Exists, OuterRef
from django.test import Client, RequestFactory
from django.urls import reverse

from beneficiaries.codice_fiscale import check_consistency, validate_codice_fiscale
from beneficiaries.consent import in_force_q
from beneficiaries.models import (
    Beneficiary,
    Case,
    Consent,
    ConsentPurpose,
    Referral,
    ReferralStatus,
    family_name_lookup_hash,
)
from gaps.models import CoverageRun
from housing.models import HousingUnit, Placement, UnitStatus, UnitType
from registry.models import Municipality, Zone, ZoneKind
from services.models import Membership, Role, ServiceCategory, Site
from services.roles import group_name
from tests.auth import verified_login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]

AS_OF = datetime.date(2026, 6, 30)
DEMO_ROLES = {
    "demo-social-worker": Role.SOCIAL_WORKER,
    "demo-coordinator": Role.COORDINATOR,
    "demo-provider": Role.PROVIDER_STAFF,
    "demo-official": Role.OFFICIAL,
    "demo-admin": Role.ADMINISTRATOR,
}


def seed(**options) -> str:
    """Tests run with DEBUG off (pytest-django), as production does: the test database is
    not production, and says so."""
    out = io.StringIO()
    options.setdefault("i_know_this_is_not_production", True)
    call_command(
        "seed_demo", metro="roma", scale="small", seed=7, as_of=AS_OF, stdout=out, **options
    )
    return out.getvalue()


@pytest.fixture
def roma(reference_data):
    call_command("load_territory", metro=["roma"], verbosity=0)


def plaintext_snapshot() -> list[tuple]:
    return sorted(
        (str(b.pk), b.given_name, b.family_name, b.codice_fiscale, b.birth_date, b.gender)
        for b in Beneficiary.objects.all()
    )


def casework_snapshot() -> list[str]:
    """Cases, referrals and consents by what they say, not by ids a reset renumbers."""
    cases = Case.objects.values_list(
        "pk",
        "beneficiary_id",
        "organisation__name",
        "lead_worker__email",
        "opened_on",
        "closed_on",
        "status",
        "protected",
    )
    referrals = Referral.objects.values_list(
        "pk",
        "case_id",
        "service__organisation__name",
        "service__name",
        "status",
        "referred_by__email",
        "referred_on",
        "responded_on",
    )
    consents = Consent.objects.values_list(
        "pk",
        "beneficiary_id",
        "organisation__name",
        "purpose",
        "given_on",
        "withdrawn_on",
        "recorded_by__email",
    )
    return sorted(map(str, [*cases, *referrals, *consents]))


def consent_in_force_on(day: str, purpose: str, case_prefix: str = "") -> Exists:
    """For rows reaching a case through ``case_prefix``: the person's consent to ``purpose``
    for the case's organisation was in force on the row's date field ``day``."""
    return Exists(
        Consent.objects.filter(
            in_force_q(OuterRef(day)),
            beneficiary_id=OuterRef(f"{case_prefix}beneficiary_id"),
            organisation_id=OuterRef(f"{case_prefix}organisation_id"),
            purpose=purpose,
        )
    )


def ray_cast(ring, x, y) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def inside(geometry: dict, x: float, y: float) -> bool:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return any(
        ray_cast(outer, x, y) and not any(ray_cast(hole, x, y) for hole in holes)
        for outer, *holes in polygons
    )


def test_with_debug_off_it_refuses_to_run_and_creates_nothing(roma, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--i-know-this-is-not-production"):
        seed(i_know_this_is_not_production=False)
    assert not get_user_model().objects.filter(username__startswith="demo-").exists()
    assert not Beneficiary.objects.exists()


def test_with_debug_off_it_refuses_even_to_print_the_logins(roma, settings):
    seed()
    settings.DEBUG = False
    out = io.StringIO()
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", metro="roma", stdout=out)
    assert "atlante-demo" not in out.getvalue()


def test_with_debug_on_no_flag_is_needed(reference_data, settings):
    settings.DEBUG = True
    # Past the guard: it stops at the next check, the missing territory.
    with pytest.raises(CommandError, match="load_territory --metro roma"):
        seed(i_know_this_is_not_production=False)


def test_without_territory_it_says_which_command_to_run(reference_data):
    with pytest.raises(CommandError, match="load_territory --metro roma"):
        seed()


def test_small_demo_covers_every_kind_of_record(roma):
    output = seed()

    assert "Seeded in" in output and "demo-social-worker" in output
    assert "Coverage computed: 1 run(s)" in output
    assert CoverageRun.objects.filter(scope="roma", status="complete").exists()
    leaves = ServiceCategory.objects.filter(children__isnull=True)
    assert not leaves.filter(services__isnull=True).exists(), "a category has no service"
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert set(HousingUnit.objects.values_list("status", flat=True)) == set(UnitStatus.values)
    assert set(HousingUnit.objects.values_list("unit_type", flat=True)) == set(UnitType.values)
    assert Placement.objects.exists()
    assert Case.objects.filter(protected=True).exists()


def test_codici_fiscali_are_valid_and_match_the_person(roma):
    seed()

    people = list(Beneficiary.objects.exclude(codice_fiscale_hash=None))
    assert len(people) > 300
    for person in people:
        validate_codice_fiscale(person.codice_fiscale)
        gender = person.gender if person.gender in ("F", "M") else None
        check_consistency(person.codice_fiscale, birth_date=person.birth_date, gender=gender)


def test_every_person_can_be_found_by_the_sound_of_their_name(roma):
    seed()
    people = list(Beneficiary.objects.all())
    assert people
    for person in people:
        assert person.family_name_key_hash == family_name_lookup_hash(person.family_name)


def test_sites_lie_inside_their_municipality(roma):
    seed()

    sites = Site.objects.select_related("municipality")
    assert sites.count() >= 100
    outside = [
        site.pk
        for site in sites
        if not inside(site.municipality.boundary, site.longitude, site.latitude)
    ]
    assert outside == []


def test_each_demo_login_works_and_has_its_role(roma):
    seed()

    for username, role in DEMO_ROLES.items():
        # With a request: the lockout backend (django-axes) checks username and address.
        user = authenticate(RequestFactory().post("/"), username=username, password="atlante-demo")
        assert user is not None, username
        assert Membership.objects.filter(user=user, role=role, active=True).exists()
        # No demo login is a superuser; its groups and staff flag follow its membership.
        assert user.is_superuser is False, username
        assert set(user.groups.values_list("name", flat=True)) == {group_name(role)}
        assert user.is_staff is True
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    worker = get_user_model().objects.get(username="demo-social-worker")
    assert Case.objects.visible_to(worker).filter(protected=True).exists()

    # The demo administrator, a plain account, opens the pages its role allows (accounts,
    # memberships, the directory) and no personal record.
    client = Client()
    verified_login(client, get_user_model().objects.get(username="demo-admin"))
    for page in (
        "admin:index",
        "admin:services_membership_changelist",
        "admin:auth_user_changelist",
        "admin:services_organisation_changelist",
    ):
        assert client.get(reverse(page)).status_code == 200, page
    assert client.get(reverse("admin:beneficiaries_beneficiary_changelist")).status_code == 403


def test_same_seed_same_people_and_a_second_run_changes_nothing(roma):
    seed()
    first = plaintext_snapshot()
    casework = casework_snapshot()

    again = seed()
    assert "already seeded" in again
    assert plaintext_snapshot() == first

    seed(reset=True)
    assert plaintext_snapshot() == first
    assert casework_snapshot() == casework


def test_demo_zones_cover_the_city_and_survive_a_reset(roma):
    seed()

    ambiti = Zone.objects.filter(kind=ZoneKind.AMBITO)
    members = list(ambiti.values_list("municipalities", flat=True))
    assert sorted(members) == sorted(Municipality.objects.values_list("pk", flat=True))
    capital = Municipality.objects.get(name="Roma")
    municipi = Zone.objects.filter(kind=ZoneKind.MUNICIPIO, parent_municipality=capital)
    assert municipi.count() >= 2
    assert sum(municipi.values_list("population", flat=True)) == capital.population

    zones_before = sorted(Zone.objects.values_list("pk", flat=True))
    seed(reset=True)
    assert sorted(Zone.objects.values_list("pk", flat=True)) == zones_before


def test_demo_caseload_has_follow_ups_and_a_rhythm_of_activity(roma):
    seed()
    worker = get_user_model().objects.get(username="demo-social-worker")
    open_cases = Case.objects.filter(lead_worker=worker, status="open")
    assert open_cases.count() > 5
    assert open_cases.filter(follow_up_on__lt=AS_OF).exists()
    assert open_cases.filter(follow_up_on__gte=AS_OF).exists()
    assert open_cases.values("last_activity_at").distinct().count() > 1
    for case in Case.objects.filter(status="open"):
        assert case.opened_on <= case.last_activity_at.date() <= AS_OF
    assert not Case.objects.filter(status="closed", follow_up_on__isnull=False).exists()


def test_every_case_referral_and_placement_had_its_consent_in_force(roma):
    """The demo obeys the rules the actions enforce: each case's organisation holds the
    person's consent to case management by the opening, to sharing with providers on each
    referral's day and to housing on each placement's first day."""
    seed()

    assert Case.objects.count() > 200
    unconsented_cases = Case.objects.exclude(
        consent_in_force_on("opened_on", ConsentPurpose.CASE_MANAGEMENT)
    )
    assert list(unconsented_cases.values_list("pk", flat=True)) == []
    unconsented_referrals = Referral.objects.exclude(
        consent_in_force_on("referred_on", ConsentPurpose.SHARING_WITH_PROVIDERS, "case__")
    )
    assert list(unconsented_referrals.values_list("pk", flat=True)) == []
    assert Placement.objects.count() > 20
    unconsented_placements = Placement.objects.exclude(
        consent_in_force_on("starts_on", ConsentPurpose.HOUSING, "case__")
    )
    assert list(unconsented_placements.values_list("pk", flat=True)) == []
    # Among them people followed by two organisations, each with its own consents.
    elsewhere = Case.objects.filter(beneficiary_id=OuterRef("beneficiary_id")).exclude(
        organisation_id=OuterRef("organisation_id")
    )
    assert Case.objects.filter(Exists(elsewhere)).exists()
    # A small share of consents to sharing is withdrawn, each after the last referral.
    sharing = Consent.objects.filter(purpose=ConsentPurpose.SHARING_WITH_PROVIDERS)
    withdrawn = sharing.exclude(withdrawn_on=None)
    assert 0 < withdrawn.count() <= sharing.count() * 0.1
    for consent in withdrawn:
        referred = Referral.objects.filter(
            case__beneficiary_id=consent.beneficiary_id,
            case__organisation_id=consent.organisation_id,
        ).values_list("referred_on", flat=True)
        assert consent.given_on <= min(referred) and max(referred) < consent.withdrawn_on


def test_the_demo_provider_sees_protected_referrals_sealed_and_a_withdrawn_one_anonymous(
    roma, client
):
    """The demo shows each view of a referral the provider may get: protected cases of
    the demo social worker's service referred to the demo provider head its incoming list
    sealed, next to the anonymous stub of a person who withdrew consent to sharing."""
    seed()
    worker = get_user_model().objects.get(username="demo-social-worker")
    service_of_worker = Membership.objects.get(user=worker).organisation_id
    provider = get_user_model().objects.get(username="demo-provider")
    provider_org = Membership.objects.get(user=provider).organisation_id
    protected = Referral.objects.filter(
        case__protected=True,
        case__organisation_id=service_of_worker,
        service__organisation_id=provider_org,
        status__in=[ReferralStatus.REFERRED, ReferralStatus.WAITING],
    )
    assert protected.count() >= 1
    assert protected.filter(referred_by=worker).exists()

    assert provider.check_password("atlante-demo")
    verified_login(client, provider)  # the password, then the second factor
    response = client.get(reverse("workspace:incoming"))
    assert response.status_code == 200
    views = list(response.context["page"].object_list)
    sealed = [view for view in views if view.sealed]
    assert set(protected.values_list("pk", flat=True)) <= {view.pk for view in sealed}
    assert all(view.age_band and view.birth_year is None for view in sealed)
    assert any(view.anonymous for view in views)
    home = client.get(reverse("workspace:home"))
    assert {view.kind for view in home.context["incoming"]} >= {"sealed", "anonymous", "full"}
