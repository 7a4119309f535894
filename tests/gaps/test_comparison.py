"""What changed since last month: the differences between two complete runs."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from gaps.comparison import differences
from gaps.models import CoverageRun
from gaps.runs import run_coverage
from services.models import Capacity

pytestmark = pytest.mark.django_db


def test_more_places_show_as_a_smaller_gap(city, capsys):
    last_month = run_coverage(city["metro"])
    CoverageRun.objects.filter(pk=last_month.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=31)
    )
    Capacity.objects.update(total=16, available=2)
    now = run_coverage(city["metro"])
    last_month.refresh_from_db()
    changes = {
        (d.standard, d.area, d.figure): (d.before, d.after) for d in differences(last_month, now)
    }
    # B: 1 place required, none; C: out of reach. A's gap was already 0; its
    # accessibility and B's grow from 6/30,000 to 16/30,000.
    assert changes[("shelter-family-places", city["a"].istat_code, "accessibility")] == (
        pytest.approx(6 / 30000),
        pytest.approx(16 / 30000),
    )
    assert ("shelter-family-places", city["b"].istat_code, "gap") not in changes
    call_command("coverage_changes", metro="piccola")
    out = capsys.readouterr().out
    assert out.startswith(f"Run {last_month.pk} -> run {now.pk}:")
