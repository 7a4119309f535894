"""Coverage standards as data, and the population figures they are measured against.

A standard says what a territory should have of one service category, with its source:
* *ratio*: so many units (places, beds, staff FTE, or sites) per so many inhabitants of a
  population group (everyone, women, 65 and over, 0-17);
* *presence*: at least one site of the category in every zone of a kind (e.g. every
  Ambito);
* *accessibility*: a catchment (km) and a distance decay for the two-step floating
  catchment area (gaps/coverage.py).
Officials edit them in the admin; the real ones are seeded by migration 0002.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.tracking import Tracked
from registry.models import MetropolitanCity, Municipality, Zone, ZoneKind
from services.models import CapacityUnit, ServiceCategory


class StandardKind(models.TextChoices):
    RATIO = "ratio", _("ratio to population")
    PRESENCE = "presence", _("presence in every zone")
    ACCESSIBILITY = "accessibility", _("accessibility (2SFCA)")


class SupplyMeasure(models.TextChoices):
    BEDS = CapacityUnit.BEDS.value, CapacityUnit.BEDS.label
    PLACES = CapacityUnit.PLACES.value, CapacityUnit.PLACES.label
    STAFF_FTE = CapacityUnit.STAFF_FTE.value, CapacityUnit.STAFF_FTE.label
    HOURS_PER_WEEK = CapacityUnit.HOURS_PER_WEEK.value, CapacityUnit.HOURS_PER_WEEK.label
    SITES = "sites", _("sites offering the service")


class PopulationGroup(models.TextChoices):
    ALL = "all", _("all inhabitants")
    WOMEN = "women", _("women")
    AGED_65_PLUS = "65_plus", _("aged 65 and over")
    AGED_0_17 = "0_17", _("aged 0-17")


class Decay(models.TextChoices):
    STEP = "step", _("step (full weight within the catchment)")
    LINEAR = "linear", _("linear (weight falls to zero at the catchment)")
    GAUSSIAN = "gaussian", _("Gaussian")


class CatchmentUnit(models.TextChoices):
    KM = "km", _("km (great-circle distance)")
    MINUTES = "minutes", _("minutes (imported travel times)")


class Standard(Tracked):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=15, choices=StandardKind.choices)
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        related_name="standards",
        verbose_name=_("service category"),
        help_text=_("Supply is counted in this category and its sub-categories."),
    )
    supply_measure = models.CharField(
        _("supply measured in"), max_length=12, choices=SupplyMeasure.choices
    )
    units = models.DecimalField(
        _("units"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Ratio standards: this many units..."),
    )
    per_inhabitants = models.PositiveIntegerField(
        _("per inhabitants"),
        null=True,
        blank=True,
        help_text=_("...per this many inhabitants of the population group."),
    )
    population_group = models.CharField(
        _("population group"),
        max_length=10,
        choices=PopulationGroup.choices,
        default=PopulationGroup.ALL,
    )
    zone_kind = models.CharField(
        _("zone kind"),
        max_length=20,
        choices=ZoneKind.choices,
        blank=True,
        help_text=_(
            "The zones the standard is measured in (e.g. Ambito); empty: every "
            "municipality and zone."
        ),
    )
    catchment = models.DecimalField(
        _("catchment (km or minutes)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    catchment_unit = models.CharField(
        _("catchment measured in"),
        max_length=10,
        choices=CatchmentUnit.choices,
        default=CatchmentUnit.KM,
        help_text=_("Minutes use the imported travel times; a pair without one is out of reach."),
    )
    decay = models.CharField(_("distance decay"), max_length=10, choices=Decay.choices, blank=True)
    sigma = models.DecimalField(
        _("Gaussian spread (km or minutes)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For the Gaussian decay; half the catchment if left empty."),
    )
    source = models.CharField(_("source"), max_length=300)
    legal_reference = models.CharField(_("legal reference"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("coverage standard")
        verbose_name_plural = _("coverage standards")
        ordering = ["category__code", "code"]
        constraints = [
            models.CheckConstraint(
                # NULL compares as unknown, which a check lets through: say not null.
                condition=~Q(kind=StandardKind.RATIO)
                | Q(
                    units__isnull=False,
                    units__gt=0,
                    per_inhabitants__isnull=False,
                    per_inhabitants__gt=0,
                ),
                name="standard_ratio_complete",
                violation_error_code="standard_ratio_complete",
                violation_error_message=_(
                    "A ratio standard needs units and inhabitants, both above zero."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind=StandardKind.PRESENCE) | ~Q(zone_kind=""),
                name="standard_presence_zone_kind",
                violation_error_code="standard_presence_zone_kind",
                violation_error_message=_("A presence standard needs the kind of zone."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=StandardKind.ACCESSIBILITY)
                | (Q(catchment__isnull=False, catchment__gt=0) & ~Q(decay="")),
                name="standard_accessibility_complete",
                violation_error_code="standard_accessibility_complete",
                violation_error_message=_(
                    "An accessibility standard needs a catchment above zero and a decay."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=StandardKind.values),
                name="standard_kind_known",
                violation_error_code="standard_kind_known",
                violation_error_message=_("Unknown kind of standard."),
            ),
        ]

    def __str__(self) -> str:
        return self.name_en


class PopulationFigure(Tracked):
    """Inhabitants of one group in one municipality and year (ISTAT demographic data);
    the total of every municipality is on Municipality itself."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="population_figures",
        verbose_name=_("municipality"),
    )
    group = models.CharField(_("population group"), max_length=10, choices=PopulationGroup.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(_("population"))
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        ordering = ["municipality__istat_code", "group", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "group", "year"],
                name="population_figure_unique",
                violation_error_code="population_figure_unique",
                violation_error_message=_(
                    "This municipality already has a figure for this group and year."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(group=PopulationGroup.ALL),
                name="population_figure_not_total",
                violation_error_code="population_figure_not_total",
                violation_error_message=_(
                    "The total population is recorded on the municipality itself."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.group} {self.year}"


class TravelTime(models.Model):
    """Travel time from a municipality (its centroid) to a site, e.g. by public transport,
    imported from a routing engine; what minute-based catchments are measured with."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    site = models.ForeignKey(
        "services.Site", on_delete=models.CASCADE, related_name="+", verbose_name=_("site")
    )
    minutes = models.FloatField(_("minutes"))
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("travel time")
        verbose_name_plural = _("travel times")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "site"],
                name="travel_time_unique",
                violation_error_code="travel_time_unique",
                violation_error_message=_("This pair already has a travel time."),
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=0),
                name="travel_time_not_negative",
                violation_error_code="travel_time_not_negative",
                violation_error_message=_("A travel time cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} → {self.site_id}: {self.minutes} min"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    COMPLETE = "complete", _("complete")
    FAILED = "failed", _("failed")


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("nightly schedule")
    CHANGE = "change", _("data changed")
    MANUAL = "manual", _("started by hand")


class CoverageRun(models.Model):
    """One computation of every active standard over a metropolitan city (or all).

    Its results are written in the same transaction that marks it complete, so readers
    see a whole run or none; the latest complete run of a scope is the one shown, and
    older runs stay for comparison.
    """

    metropolitan_city = models.ForeignKey(
        MetropolitanCity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coverage_runs",
        verbose_name=_("metropolitan city"),
        help_text=_("Empty: all metropolitan cities."),
    )
    # The metropolitan city's slug, or "all": one key per scope, so that the database can
    # refuse a second running run of the same scope (a NULL would never collide).
    scope = models.CharField(_("scope"), max_length=50, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    trigger = models.CharField(_("trigger"), max_length=10, choices=RunTrigger.choices)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("triggered by"),
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    input_fingerprint = models.CharField(_("input fingerprint"), max_length=64, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration = models.DurationField(_("duration"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("coverage run")
        verbose_name_plural = _("coverage runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["scope", "status", "-finished_at"], name="run_latest")]
        constraints = [
            models.UniqueConstraint(
                fields=["scope"],
                condition=Q(status="running"),
                name="coverage_one_running_run_per_scope",
                violation_error_code="coverage_one_running_run_per_scope",
                violation_error_message=_("A run of this scope is already under way."),
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="coverage_run_progress_percent",
                violation_error_code="coverage_run_progress_percent",
                violation_error_message=_("Progress is a percentage."),
            ),
            models.CheckConstraint(
                condition=Q(status="running") | Q(finished_at__isnull=False),
                name="coverage_run_finished_has_time",
                violation_error_code="coverage_run_finished_has_time",
                violation_error_message=_("A finished run has its finishing time."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"


class AreaKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("municipality")
    ZONE = "zone", _("zone")


class CoverageResult(models.Model):
    """One area (municipality or zone), one standard, one run: every lens, and what it
    was computed from, so that the row explains itself."""

    run = models.ForeignKey(
        CoverageRun, on_delete=models.CASCADE, related_name="results", verbose_name=_("run")
    )
    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, related_name="results", verbose_name=_("standard")
    )
    area_kind = models.CharField(_("area kind"), max_length=12, choices=AreaKind.choices)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    zone = models.ForeignKey(
        Zone, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    population_used = models.FloatField(_("population used"))
    group_known = models.BooleanField(
        _("group population known"),
        help_text=_("False: the standard's group was not known here; the total was used."),
    )
    supply = models.FloatField(_("supply"))
    site_count = models.PositiveIntegerField(_("sites"))
    present = models.BooleanField(_("present"))
    requirement = models.FloatField(_("requirement"), null=True, blank=True)
    gap = models.FloatField(_("gap (units)"), null=True, blank=True)
    ratio = models.FloatField(_("supply / requirement"), null=True, blank=True)
    accessibility = models.FloatField(_("accessibility (2SFCA)"))
    sites_in_reach = models.PositiveIntegerField(_("sites in reach"), null=True, blank=True)
    waiting = models.FloatField(_("people waiting"))
    free_places = models.FloatField(_("free places"))
    unmet = models.FloatField(_("unmet demand"))

    class Meta:
        verbose_name = _("coverage result")
        verbose_name_plural = _("coverage results")
        indexes = [models.Index(fields=["run", "standard"], name="result_run_standard")]
        constraints = [
            models.CheckConstraint(
                condition=Q(area_kind="municipality", municipality__isnull=False, zone__isnull=True)
                | Q(area_kind="zone", zone__isnull=False, municipality__isnull=True),
                name="coverage_result_one_area",
                violation_error_code="coverage_result_one_area",
                violation_error_message=_("A result is about one municipality or one zone."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.standard_id}/{self.municipality_id or self.zone_id}"
