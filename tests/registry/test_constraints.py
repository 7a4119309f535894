"""Each constraint of the territory models is enforced by the database itself."""

import pytest

from registry.models import MetropolitanCity, Municipality, Zone, ZoneKind
from tests.factories import MetropolitanCityFactory, MunicipalityFactory, ZoneFactory
from tests.integrity import violates

pytestmark = pytest.mark.django_db


def test_metro_istat_code_unique():
    MetropolitanCityFactory(istat_code="901")
    with violates("registry_metropolitancity_istat_code_key"):
        MetropolitanCityFactory(istat_code="901")


@pytest.mark.parametrize("istat_code", ["58", "O58", "5 8"])
def test_metro_istat_code_three_digits(istat_code):
    with violates("metro_istat_code_3_digits"):
        MetropolitanCity.objects.create(
            istat_code=istat_code, name="Roma", slug="roma-test", region="Lazio"
        )


@pytest.mark.parametrize("istat_code", ["58091", "05809X", "058 91"])
def test_municipality_istat_code_six_digits(istat_code):
    with violates("municipality_istat_code_6_digits"):
        MunicipalityFactory(istat_code=istat_code)


@pytest.mark.parametrize(
    ("lat", "lon"), [(90.5, 12.5), (-90.5, 12.5), (41.9, 180.5), (41.9, -180.5)]
)
def test_municipality_centroid_in_range(lat, lon):
    with violates("municipality_centroid_in_range"):
        MunicipalityFactory(centroid_lat=lat, centroid_lon=lon)


def test_municipality_centroid_range_checked_on_update():
    municipality = MunicipalityFactory()
    with violates("municipality_centroid_in_range"):
        Municipality.objects.filter(pk=municipality.pk).update(centroid_lat=91)


def test_municipality_population_year_not_before_unification():
    with violates("municipality_population_year"):
        MunicipalityFactory(population_year=1860)


def test_zone_code_unique_per_city_and_kind():
    zone = ZoneFactory(code="ATS-1")
    ZoneFactory(metropolitan_city=zone.metropolitan_city, kind=ZoneKind.ZONA_OMOGENEA, code="ATS-1")
    ZoneFactory(kind=ZoneKind.AMBITO, code="ATS-1")  # another metropolitan city
    with violates("zone_code_unique_per_kind"):
        ZoneFactory(metropolitan_city=zone.metropolitan_city, kind=ZoneKind.AMBITO, code="ATS-1")


def test_sub_municipal_zone_with_population_is_allowed():
    municipality = MunicipalityFactory()
    zone = ZoneFactory(
        metropolitan_city=municipality.metropolitan_city,
        kind=ZoneKind.MUNICIPIO,
        parent_municipality=municipality,
        population=180_000,
        population_year=2011,
    )
    assert zone.is_sub_municipal


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"population": 1000, "population_year": 2011}, id="group-with-population"),
        pytest.param({"parent": True}, id="sub-municipal-without-population"),
        pytest.param({"parent": True, "population": 1000}, id="sub-municipal-without-year"),
    ],
)
def test_zone_population_iff_sub_municipal(fields):
    municipality = MunicipalityFactory()
    parent = municipality if fields.pop("parent", False) else None
    with violates("zone_population_iff_sub_municipal"):
        Zone.objects.create(
            metropolitan_city=municipality.metropolitan_city,
            kind=ZoneKind.MUNICIPIO,
            code="I",
            name="Municipio I",
            parent_municipality=parent,
            **fields,
        )
