"""What-if scenarios change nothing stored and say which areas would change."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gaps.models import CoverageRun, Standard
from gaps.whatif import AddCapacity, NewSite, what_if
from services.models import Site

pytestmark = pytest.mark.django_db
SHELTER = "shelter-family-places"


def by_area(changes):
    return {(c.area_kind, c.area_id): c for c in changes}


def test_more_places_at_the_shelter(city):
    standard = Standard.objects.get(code=SHELTER)
    site = Site.objects.get(municipality=city["a"])
    changes = by_area(what_if(city["metro"], standard, add_capacity=(AddCapacity(site.pk, 24),)))
    a = changes[("municipality", city["a"].pk)]
    assert (a.supply_before, a.supply_after) == (6.0, 30.0)
    # 2SFCA over A and B (30,000 people): 6/30,000 -> 30/30,000.
    assert a.accessibility_after == pytest.approx(0.001, rel=1e-12)
    b = changes[("municipality", city["b"].pk)]
    assert (b.gap_before, b.gap_after) == (1.0, 1.0)  # supply stays in A
    assert ("municipality", city["c"].pk) not in changes  # out of reach
    assert not CoverageRun.objects.exists()


def test_a_new_site_in_the_far_municipality(city):
    standard = Standard.objects.get(code=SHELTER)
    changes = by_area(what_if(city["metro"], standard, new_sites=(NewSite(city["c"].pk, 1),)))
    c = changes[("municipality", city["c"].pk)]
    assert (c.gap_before, c.gap_after) == (0.5, 0.0)
    assert (c.accessibility_before, c.accessibility_after) == (0.0, pytest.approx(1 / 5000))
    assert not CoverageRun.objects.exists()


def test_the_command_names_bad_input(city, capsys):
    with pytest.raises(CommandError, match="does not offer this standard"):
        call_command(
            "coverage_what_if", metro="piccola", standard=SHELTER, add_capacity=["999999:5"]
        )
    with pytest.raises(CommandError, match="give KEY:UNITS"):
        call_command("coverage_what_if", metro="piccola", standard=SHELTER, new_site=["x"])
    call_command(
        "coverage_what_if",
        metro="piccola",
        standard=SHELTER,
        new_site=[f"{city['c'].istat_code}:1"],
    )
    assert f"municipality {city['c'].pk}: supply 0 -> 1, gap 0.5 -> 0.0" in capsys.readouterr().out
