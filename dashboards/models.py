"""Precomputed facts the dashboards aggregate: each case and referral with the municipality
it counts in, resolved once instead of on every page.

A case counts in the municipality where its person lives, else where its organisation is
(``facts.CASE_FACTS``). Resolving that on every page joins every case with
its person (a million rows at metropolitan scale) before any area can be chosen; these
narrow rows carry the municipality already and are indexed by it and by date, so a page
reads only its area's rows.

On PostgreSQL they are materialized views, refreshed together by
:func:`dashboards.facts.refresh_facts` (a Celery beat job every few minutes, after the
demo seed, and by ``manage.py refresh_dashboard_facts``); pages say when. On SQLite, the
embedded default, they are plain views: always current, and small enough there.
They hold ids and dates only: no name, no identifier, nothing a page shows as such.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseFact(models.Model):
    case = models.OneToOneField(
        "beneficiaries.Case",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="+",
    )
    municipality = models.ForeignKey(
        "registry.Municipality", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True)

    class Meta:
        managed = False
        db_table = "dashboards_casefact"
        verbose_name = _("case fact")

    def __str__(self) -> str:
        return f"case {self.pk}"


class ReferralFact(models.Model):
    referral = models.OneToOneField(
        "beneficiaries.Referral",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="+",
    )
    municipality = models.ForeignKey(
        "registry.Municipality", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    service = models.ForeignKey(
        "services.Service", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
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
