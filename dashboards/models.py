"""Precomputed facts the dashboards aggregate: each case and referral with the municipality
it counts in, resolved once instead of on every page; each listed offering with its
places; and per municipality and day the counts that add up (cases opened and closed,
referrals by status, answers and days waited).

A case counts in the municipality where its person lives, else where its organisation is
(``facts.CASE_FACTS``). Resolving that on every page joins every case with
its person (a million rows at metropolitan scale) before any area can be chosen; these
narrow rows carry the municipality already and are indexed by it and by date, so a page
reads only its area's rows, and most figures add up a few thousand day rows at most.

On PostgreSQL they are materialized views, refreshed together by
:func:`dashboards.facts.refresh_facts` (a Celery beat job every few minutes, after the
demo seed, and by ``manage.py refresh_dashboard_facts``); pages say when. On SQLite, the
embedded default, they are plain views: always current, and small enough there.
They hold ids, dates and counts only: no name, no identifier, nothing a page shows as such.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


def _view_row(to: str) -> models.OneToOneField:
    """A view's row key: the row it was made from (no constraint: a view has none)."""
    return models.OneToOneField(
        to, on_delete=models.DO_NOTHING, primary_key=True, db_constraint=False, related_name="+"
    )


def _view_key(to: str) -> models.ForeignKey:
    """A view's reference to another table (no constraint, no reverse accessor)."""
    return models.ForeignKey(to, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")


class CaseFact(models.Model):
    case = _view_row("beneficiaries.Case")
    municipality = _view_key("registry.Municipality")
    beneficiary = _view_key("beneficiaries.Beneficiary")
    opened_on = models.DateField()
    closed_on = models.DateField(null=True)

    class Meta:
        managed = False
        db_table = "dashboards_casefact"
        verbose_name = _("case fact")

    def __str__(self) -> str:
        return f"case {self.pk}"


class ReferralFact(models.Model):
    referral = _view_row("beneficiaries.Referral")
    municipality = _view_key("registry.Municipality")
    service = _view_key("services.Service")
    status = models.CharField(max_length=20)
    referred_on = models.DateField()
    responded_on = models.DateField(null=True)

    class Meta:
        managed = False
        db_table = "dashboards_referralfact"
        verbose_name = _("referral fact")

    def __str__(self) -> str:
        return f"referral {self.pk}"


class FactsRefresh(models.Model):
    """When the facts were last refreshed (one row per refresh; the latest is shown)."""

    finished_at = models.DateTimeField(_("finished at"), db_index=True)
    seconds = models.FloatField(_("seconds"))

    class Meta:
        verbose_name = _("dashboard facts refresh")
        get_latest_by = "finished_at"

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} ({self.seconds:.1f} s)"


class OfferingFact(models.Model):
    """A listed offering (a service at a site) with its places in beds or places."""

    offering = _view_row("services.ServiceAtSite")
    site = _view_key("services.Site")
    service = _view_key("services.Service")
    municipality = _view_key("registry.Municipality")
    free_places = models.DecimalField(max_digits=12, decimal_places=2)
    total_places = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        managed = False
        db_table = "dashboards_offeringfact"
        verbose_name = _("offering fact")

    def __str__(self) -> str:
        return f"offering {self.pk}"


class DayFact(models.Model):
    """Per municipality and day, the additive counts of the casework tables (see
    ``facts.DAY_FACTS``): a page adds up its area's days instead of counting cases."""

    pk = models.CompositePrimaryKey("municipality", "day")
    municipality = _view_key("registry.Municipality")
    day = models.DateField()
    opened = models.IntegerField()
    closed = models.IntegerField()
    referred = models.IntegerField()
    referred_referred = models.IntegerField()
    referred_accepted = models.IntegerField()
    referred_waiting = models.IntegerField()
    referred_active = models.IntegerField()
    referred_declined = models.IntegerField()
    referred_closed = models.IntegerField()
    pending = models.IntegerField()
    answered = models.IntegerField()
    waited_days = models.IntegerField()

    class Meta:
        managed = False
        db_table = "dashboards_dayfact"
        verbose_name = _("day fact")

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.day}"


class MonthPeople(models.Model):
    """Per municipality and month, the people whose case was opened that month: the
    monthly trend adds up its area's municipalities (a person counts in each)."""

    pk = models.CompositePrimaryKey("municipality", "month")
    municipality = _view_key("registry.Municipality")
    month = models.DateField()
    people = models.IntegerField()

    class Meta:
        managed = False
        db_table = "dashboards_monthpeople"
        verbose_name = _("people per month")

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.month:%Y-%m}"
