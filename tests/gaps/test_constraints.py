"""The rules of standards and population figures are enforced by the database."""

from decimal import Decimal

import pytest

from gaps.models import CoverageResult, CoverageRun, PopulationFigure, Standard, TravelTime
from services.models import ServiceCategory
from tests.factories import MunicipalityFactory, SiteFactory
from tests.integrity import violates

pytestmark = pytest.mark.django_db


def standard(**fields) -> Standard:
    values = {
        "code": "test-standard",
        "name_it": "Prova",
        "name_en": "Test",
        "kind": "ratio",
        "category": ServiceCategory.objects.get(code="gender-violence.shelter"),
        "supply_measure": "places",
        "units": Decimal("1"),
        "per_inhabitants": 10000,
        "source": "Test source",
    }
    values.update(fields)
    return Standard.objects.create(**values)


@pytest.mark.parametrize(
    ("constraint", "fields"),
    [
        ("standard_ratio_complete", {"units": None}),
        ("standard_ratio_complete", {"per_inhabitants": 0}),
        ("standard_presence_zone_kind", {"kind": "presence", "zone_kind": ""}),
        ("standard_accessibility_complete", {"kind": "accessibility", "decay": "step"}),
        (
            "standard_accessibility_complete",
            {"kind": "accessibility", "catchment": Decimal("5"), "decay": ""},
        ),
        ("standard_kind_known", {"kind": "wishful"}),
    ],
)
def test_standard_rules(constraint, fields):
    with violates(constraint):
        standard(**fields)


def test_complete_standards_of_each_kind_are_accepted():
    standard(code="a")
    standard(code="b", kind="presence", zone_kind="ats", units=None, per_inhabitants=None)
    standard(code="c", kind="accessibility", catchment=Decimal("10"), decay="gaussian")
    assert Standard.objects.filter(code__in=["a", "b", "c"]).count() == 3


def test_population_figures():
    municipality = MunicipalityFactory()
    PopulationFigure.objects.create(
        municipality=municipality, group="women", year=2023, population=10, source="ISTAT"
    )
    with violates("population_figure_unique"):
        PopulationFigure.objects.create(
            municipality=municipality, group="women", year=2023, population=11, source="ISTAT"
        )
    with violates("population_figure_not_total"):
        PopulationFigure.objects.create(
            municipality=municipality, group="all", year=2023, population=11, source="ISTAT"
        )


def test_coverage_run_and_result_rules():
    CoverageRun.objects.create(scope="all", trigger="manual")
    with violates("coverage_one_running_run_per_scope"):
        CoverageRun.objects.create(scope="all", trigger="manual")
    with violates("coverage_run_progress_percent"):
        CoverageRun.objects.create(scope="roma", trigger="manual", progress=101)
    with violates("coverage_run_finished_has_time"):
        CoverageRun.objects.create(scope="milano", trigger="manual", status="complete")
    run = CoverageRun.objects.get()
    values = {
        "run": run,
        "standard": Standard.objects.get(code="shelter-family-places"),
        "population_used": 1.0,
        "group_known": True,
        "supply": 0.0,
        "site_count": 0,
        "present": False,
        "accessibility": 0.0,
        "waiting": 0.0,
        "free_places": 0.0,
        "unmet": 0.0,
    }
    with violates("coverage_result_one_area"):
        CoverageResult.objects.create(area_kind="municipality", **values)
    with violates("coverage_result_one_area"):
        CoverageResult.objects.create(
            area_kind="zone", municipality=MunicipalityFactory(), **values
        )


def test_travel_time_rules():
    site = SiteFactory()
    TravelTime.objects.create(municipality=site.municipality, site=site, minutes=10, source="OSRM")
    with violates("travel_time_unique"):
        TravelTime.objects.create(
            municipality=site.municipality, site=site, minutes=11, source="OSRM"
        )
    with violates("travel_time_not_negative"):
        TravelTime.objects.create(
            municipality=MunicipalityFactory(), site=site, minutes=-1, source="OSRM"
        )
