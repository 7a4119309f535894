"""Housing units (the stock, from identification to occupation) and placements in them.

Two invariants are held by PostgreSQL itself (migration 0002): a unit never has more
concurrent placements than places, and one person is never placed twice at once.
"""

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary, Case
from core.tracking import Tracked
from housing import visibility
from registry.models import Municipality, latitude_validators, longitude_validators
from services.models import Organisation


class UnitType(models.TextChoices):
    PUBLIC_HOUSING = "public_housing", _("public housing (ERP)")
    SOCIAL_HOUSING = "social_housing", _("social housing")
    HOUSING_FIRST = "housing_first", _("Housing First flat")
    TEMPORARY = "temporary", _("temporary housing")
    SEMI_AUTONOMY = "semi_autonomy", _("semi-autonomy housing")
    RECOVERED = "recovered", _("recovered unused home")
    CONFISCATED = "confiscated", _("property confiscated from organised crime")


class UnitStatus(models.TextChoices):
    # The recovery pipeline: identified → renovating → available → occupied / unavailable.
    IDENTIFIED = "identified", _("identified")
    RENOVATING = "renovating", _("being renovated")
    AVAILABLE = "available", _("available")
    OCCUPIED = "occupied", _("occupied")
    UNAVAILABLE = "unavailable", _("unavailable")


class HousingUnit(Tracked):
    """A dwelling in the stock of public, social or recovered housing."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    address = models.CharField(_("address"), max_length=200)
    postal_code = models.CharField(
        _("postal code"),
        max_length=5,
        validators=[RegexValidator(r"^\d{5}$", _("Five digits (CAP)."))],
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="housing_units",
        verbose_name=_("municipality"),
    )
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=latitude_validators
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=longitude_validators
    )
    unit_type = models.CharField(_("type"), max_length=20, choices=UnitType.choices)
    rooms = models.PositiveSmallIntegerField(_("rooms"))
    places = models.PositiveSmallIntegerField(_("places"))
    barrier_free = models.BooleanField(_("barrier-free"), default=False)
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("E.g. semi-autonomy flats for survivors of violence: address never shown."),
    )
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="housing_units",
        verbose_name=_("owner organisation"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=UnitStatus.choices, default=UnitStatus.IDENTIFIED
    )
    status_since = models.DateField(_("status since"))

    class Meta:
        verbose_name = _("housing unit")
        verbose_name_plural = _("housing units")
        ordering = ["code"]
        indexes = [models.Index(fields=["municipality", "status"], name="unit_municipality_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(places__gte=1),
                name="unit_at_least_one_place",
                violation_error_code="unit_at_least_one_place",
                violation_error_message=_("A housing unit has at least one place."),
            ),
            models.CheckConstraint(
                condition=Q(rooms__gte=1),
                name="unit_at_least_one_room",
                violation_error_code="unit_at_least_one_room",
                violation_error_message=_("A housing unit has at least one room."),
            ),
            models.CheckConstraint(
                condition=Q(unit_type__in=UnitType.values),
                name="unit_type_known",
                violation_error_code="unit_type_known",
                violation_error_message=_("Unknown housing unit type."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=UnitStatus.values),
                name="unit_status_known",
                violation_error_code="unit_status_known",
                violation_error_message=_("Unknown housing unit status."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.municipality}"


class Placement(Tracked):
    """A case placed in a housing unit for a period (``ends_on`` exclusive, empty if open)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    unit = models.ForeignKey(
        HousingUnit, on_delete=models.PROTECT, related_name="placements", verbose_name=_("unit")
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="placements", verbose_name=_("case")
    )
    # The case's person, copied so that the database can forbid overlapping placements of
    # one person across cases; a trigger checks that it matches the case.
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="placements",
        verbose_name=_("beneficiary"),
        editable=False,
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to (exclusive)"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)

    objects = visibility.PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=F("starts_on")),
                name="placement_ends_after_start",
                violation_error_code="placement_ends_after_start",
                violation_error_message=_("A placement must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.starts_on}–{self.ends_on or '…'}"

    def save(self, *args, **kwargs) -> None:
        self.beneficiary_id = self.case.beneficiary_id
        super().save(*args, **kwargs)
