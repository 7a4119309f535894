"""Coverage standards as data, and the population figures they are measured against.

A standard says what a territory should have of one service category, with its source:
* *ratio*: so many units (places, beds, staff FTE, or sites) per so many inhabitants of a
  population group (everyone, women, 65 and over, 0-17);
* *presence*: at least one site of the category in every zone of a kind (e.g. every
  Ambito);
* *accessibility*: a catchment (km) and a distance decay for the two-step floating
  catchment area (registry/coverage.py).
Officials edit them in the admin; the real ones are seeded by migration 0002.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.tracking import Tracked
from registry.models import Municipality, ZoneKind
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
    catchment_km = models.DecimalField(
        _("catchment (km)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    decay = models.CharField(_("distance decay"), max_length=10, choices=Decay.choices, blank=True)
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
                | (Q(catchment_km__isnull=False, catchment_km__gt=0) & ~Q(decay="")),
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
