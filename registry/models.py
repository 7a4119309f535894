"""Territory: metropolitan cities, municipalities and the zones that group or divide them."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

latitude_validators = [MinValueValidator(-90), MaxValueValidator(90)]
longitude_validators = [MinValueValidator(-180), MaxValueValidator(180)]


class MetropolitanCity(models.Model):
    """One of Italy's 14 metropolitan cities (città metropolitana, Law 56/2014)."""

    istat_code = models.CharField(
        _("ISTAT code"),
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^\d{3}$", _("Three digits, e.g. 058."))],
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("identifier"), max_length=40, unique=True)
    region = models.CharField(_("region"), max_length=60)

    class Meta:
        verbose_name = _("metropolitan city")
        verbose_name_plural = _("metropolitan cities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(istat_code__regex=r"^[0-9]{3}$"),
                name="metro_istat_code_3_digits",
                violation_error_code="metro_istat_code_3_digits",
                violation_error_message=_("The ISTAT code of a metropolitan city is three digits."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality (comune), with its census population, centroid and boundary."""

    metropolitan_city = models.ForeignKey(
        MetropolitanCity,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("metropolitan city"),
    )
    istat_code = models.CharField(
        _("ISTAT code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", _("Six digits, e.g. 058091."))],
    )
    cadastral_code = models.CharField(
        _("cadastral code"),
        max_length=4,
        unique=True,
        help_text=_("Belfiore code, the one inside a codice fiscale (e.g. H501)."),
        validators=[RegexValidator(r"^[A-Z]\d{3}$", _("A letter and three digits."))],
    )
    name = models.CharField(_("name"), max_length=100, db_index=True)
    population = models.PositiveIntegerField(_("population"))
    population_year = models.PositiveSmallIntegerField(
        _("population year"), validators=[MinValueValidator(1861), MaxValueValidator(2100)]
    )
    centroid_lat = models.FloatField(_("centroid latitude"), validators=latitude_validators)
    centroid_lon = models.FloatField(_("centroid longitude"), validators=longitude_validators)
    boundary = models.JSONField(
        _("boundary"), null=True, blank=True, help_text=_("GeoJSON geometry, WGS84.")
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(istat_code__regex=r"^[0-9]{6}$"),
                name="municipality_istat_code_6_digits",
                violation_error_code="municipality_istat_code_6_digits",
                violation_error_message=_("The ISTAT code of a municipality is six digits."),
            ),
            models.CheckConstraint(
                condition=Q(centroid_lat__gte=-90, centroid_lat__lte=90)
                & Q(centroid_lon__gte=-180, centroid_lon__lte=180),
                name="municipality_centroid_in_range",
                violation_error_code="municipality_centroid_in_range",
                violation_error_message=_(
                    "The centroid must be a valid latitude (-90..90) and longitude (-180..180)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(population_year__gte=1861),
                name="municipality_population_year",
                violation_error_code="municipality_population_year",
                violation_error_message=_("The population year must be 1861 or later."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ZoneKind(models.TextChoices):
    AMBITO = "ats", _("ambito territoriale sociale")
    ZONA_OMOGENEA = "zona_omogenea", _("zona omogenea")
    MUNICIPIO = "municipio", _("municipio / circoscrizione")
    HEALTH_DISTRICT = "health_district", _("health district")
    OTHER = "other", _("other")


class Zone(models.Model):
    """A planning zone: either a set of municipalities or an area inside one municipality.

    Ambiti territoriali sociali (Law 328/2000 art. 8) group municipalities; in large cities
    a municipio or circoscrizione divides one, and then carries its own population and
    boundary.
    """

    metropolitan_city = models.ForeignKey(
        MetropolitanCity,
        on_delete=models.PROTECT,
        related_name="zones",
        verbose_name=_("metropolitan city"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ZoneKind.choices)
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=150)
    municipalities = models.ManyToManyField(
        Municipality,
        blank=True,
        related_name="zones",
        verbose_name=_("municipalities"),
        help_text=_("For a zone made of whole municipalities."),
    )
    parent_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_zones",
        verbose_name=_("parent municipality"),
        help_text=_("For a sub-municipal area (e.g. a municipio of Rome)."),
    )
    population = models.PositiveIntegerField(
        _("population"),
        null=True,
        blank=True,
        help_text=_("Only for sub-municipal areas; otherwise the sum of the municipalities."),
    )
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    boundary = models.JSONField(_("boundary"), null=True, blank=True)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["metropolitan_city__name", "kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["metropolitan_city", "kind", "code"],
                name="zone_code_unique_per_kind",
                violation_error_code="zone_code_unique_per_kind",
                violation_error_message=_(
                    "A zone of this kind with this code already exists in this metropolitan city."
                ),
            ),
            # A sub-municipal area has its own population; a set of municipalities takes
            # the sum of its members and must not carry a second, diverging figure.
            models.CheckConstraint(
                condition=(
                    Q(parent_municipality__isnull=True, population__isnull=True)
                    | Q(
                        parent_municipality__isnull=False,
                        population__isnull=False,
                        population_year__isnull=False,
                    )
                ),
                name="zone_population_iff_sub_municipal",
                violation_error_code="zone_population_iff_sub_municipal",
                violation_error_message=_(
                    "Only a sub-municipal area (with a parent municipality) has its own "
                    "population and population year, and it must have both."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_sub_municipal(self) -> bool:
        return self.parent_municipality_id is not None
