"""The service directory, aligned with Open Referral HSDS 3.1 (organization, service,
location, service_at_location, service_capacity, schedule, taxonomy_term)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.tracking import Tracked
from registry.models import Municipality, latitude_validators, longitude_validators
from services.tax_code import validate_organisation_tax_code


class LegalForm(models.TextChoices):
    PUBLIC_BODY = "public_body", _("public body")
    # Third-sector bodies (enti del Terzo settore, Legislative Decree 117/2017 art. 4).
    ODV = "odv", _("voluntary organisation (ODV)")
    APS = "aps", _("social promotion association (APS)")
    SOCIAL_COOPERATIVE = "social_cooperative", _("social cooperative")
    SOCIAL_ENTERPRISE = "social_enterprise", _("social enterprise")
    PHILANTHROPIC_BODY = "philanthropic_body", _("philanthropic body")
    ASSOCIATIVE_NETWORK = "associative_network", _("associative network")
    MUTUAL_AID_SOCIETY = "mutual_aid_society", _("mutual aid society")
    OTHER_ETS = "other_ets", _("other third-sector body (association, foundation)")
    RELIGIOUS_BODY = "religious_body", _("religious body (third-sector branch)")
    PRIVATE_COMPANY = "private_company", _("private company")


THIRD_SECTOR_FORMS = [
    choice
    for choice in LegalForm.values
    if choice not in (LegalForm.PUBLIC_BODY, LegalForm.PRIVATE_COMPANY)
]


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("social worker")
    COORDINATOR = "coordinator", _("coordinator")
    PROVIDER_STAFF = "provider_staff", _("provider staff")
    OFFICIAL = "official", _("official")
    ADMINISTRATOR = "administrator", _("administrator")
    # Reads who accessed which person (the access report), never the records themselves.
    DATA_PROTECTION = "data_protection", _("data-protection officer")


class Organisation(Tracked):
    """A provider (HSDS organization): a public body, a third-sector body or a company."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    legal_form = models.CharField(_("legal form"), max_length=30, choices=LegalForm.choices)
    tax_code = models.CharField(
        _("tax code"),
        max_length=11,
        unique=True,
        validators=[validate_organisation_tax_code],
        help_text=_("Codice fiscale / partita IVA, 11 digits."),
    )
    runts_number = models.CharField(
        _("RUNTS number"),
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        validators=[RegexValidator(r"^\d{1,12}$", _("Digits only."))],
        help_text=_("Registration in the national register of the third sector, if any."),
    )
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("registered office"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_code__regex=r"^[0-9]{11}$"),
                name="organisation_tax_code_11_digits",
                violation_error_code="organisation_tax_code_11_digits",
                violation_error_message=_("The tax code of an organisation is 11 digits."),
            ),
            # Only third-sector bodies are entered in the RUNTS.
            models.CheckConstraint(
                condition=Q(runts_number__isnull=True) | Q(legal_form__in=THIRD_SECTOR_FORMS),
                name="organisation_runts_only_third_sector",
                violation_error_code="organisation_runts_only_third_sector",
                violation_error_message=_("Only third-sector bodies have a RUNTS number."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipStatus(models.TextChoices):
    """Whether a membership counts: a casework or data-protection role asked for by
    someone who may not grant it waits for a second person (``services.actions.memberships``)."""

    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")


class Membership(models.Model):
    """A user's role in an organisation: the basis of every visibility rule, and the one
    source of the user's permission groups and staff flag (``services.roles``).

    It counts (``services.memberships.scope_of``) only while active, approved, of an
    active user in an active organisation. Written only by the membership actions.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    # db_default too: the demo seed writes memberships with COPY, naming its columns.
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.APPROVED,
        db_default=MembershipStatus.APPROVED,
    )
    # Who asked for (or directly granted) the role; empty: an operator on the server.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # The second person who approved or refused a request (empty for a direct grant).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved or refused by"),
    )
    decided_at = models.DateTimeField(_("approved or refused at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="membership_one_role_per_organisation",
                violation_error_code="membership_one_role_per_organisation",
                violation_error_message=_("This user already has a role in this organisation."),
            ),
            # Nobody changes their own memberships, and a request needs a second person:
            # held by the database too, whichever door a write comes through.
            models.CheckConstraint(
                condition=~Q(requested_by=F("user")),
                name="membership_not_requested_by_its_user",
                violation_error_code="membership_not_requested_by_its_user",
                violation_error_message=_("Nobody can give themselves a role."),
            ),
            models.CheckConstraint(
                condition=~Q(decided_by=F("user")),
                name="membership_not_decided_by_its_user",
                violation_error_code="membership_not_decided_by_its_user",
                violation_error_message=_("Nobody can approve their own role."),
            ),
            models.CheckConstraint(
                condition=~Q(decided_by=F("requested_by")),
                name="membership_decided_by_a_second_person",
                violation_error_code="membership_decided_by_a_second_person",
                violation_error_message=_("A request is approved by someone else."),
            ),
            models.CheckConstraint(
                condition=~Q(status=MembershipStatus.PENDING)
                | Q(decided_by__isnull=True, decided_at__isnull=True),
                name="membership_pending_is_undecided",
                violation_error_code="membership_pending_is_undecided",
                violation_error_message=_("A request awaiting approval has no decision yet."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"

    @property
    def counts(self) -> bool:
        """Whether the membership grants its role (see ``scope_of`` for the whole rule)."""
        return self.active and self.status == MembershipStatus.APPROVED


class ServiceCategory(models.Model):
    """A term of Atlante's coded taxonomy of social services (HSDS taxonomy_term)."""

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9-]+(\.[a-z0-9-]+)*$", _("Dotted lower-case code."))],
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    name_it = models.CharField(_("name (Italian)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="category_not_own_parent",
                violation_error_code="category_not_own_parent",
                violation_error_message=_("A category cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name_it}"


class Language(models.Model):
    """A language a service is offered in (ISO 639-1 code)."""

    code = models.CharField(
        _("code"),
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[a-z]{2,3}$", _("ISO 639 code, e.g. 'it'."))],
    )
    name_it = models.CharField(_("name (Italian)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_it


class ServiceStatus(models.TextChoices):
    # The HSDS 3.1 service.status values.
    ACTIVE = "active", _("active")
    INACTIVE = "inactive", _("inactive")
    DEFUNCT = "defunct", _("defunct")
    TEMPORARILY_CLOSED = "temporarily closed", _("temporarily closed")


class FundingProgramme(models.TextChoices):
    PON_METRO = "pon_metro", _("PON Metro 2014-2020")
    PN_METRO_PLUS = "pn_metro_plus", _("PN Metro Plus 2021-2027")
    PNRR = "pnrr", _("PNRR (M5C2)")
    FNPS = "fnps", _("National fund for social policies (FNPS)")
    POVERTY_FUND = "poverty_fund", _("Poverty fund")
    REGIONAL = "regional", _("regional funds")
    MUNICIPAL = "municipal", _("municipal funds")
    PRIVATE = "private", _("private or philanthropic funds")
    OTHER = "other", _("other")


class Service(Tracked):
    """A service an organisation provides (HSDS service)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200, db_index=True)
    alternate_name = models.CharField(_("alternate name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    categories = models.ManyToManyField(
        ServiceCategory, related_name="services", verbose_name=_("categories")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    eligibility_description = models.TextField(_("eligibility"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    languages = models.ManyToManyField(
        Language, blank=True, related_name="services", verbose_name=_("languages")
    )
    free_of_charge = models.BooleanField(_("free of charge"), default=True)
    fees_description = models.TextField(_("fees"), blank=True)
    funding_programme = models.CharField(
        _("funding programme"), max_length=20, choices=FundingProgramme.choices, blank=True
    )
    funding_description = models.CharField(_("funding details"), max_length=300, blank=True)
    application_process = models.TextField(_("how to apply"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    url = models.URLField(_("web page"), blank=True)
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_(
            "E.g. a women's shelter: addresses and coordinates are never shown outside "
            "the organisation, only its public contact point."
        ),
    )
    public_contact = models.CharField(
        _("public contact point"),
        max_length=300,
        blank=True,
        help_text=_("What the public sees of a confidential service (e.g. the 1522 helpline)."),
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=F("maximum_age")),
                name="service_age_range_ordered",
                violation_error_code="service_age_range_ordered",
                violation_error_message=_("The minimum age cannot be above the maximum age."),
            ),
            models.CheckConstraint(
                condition=Q(free_of_charge=True) | ~Q(fees_description=""),
                name="service_fees_described_when_not_free",
                violation_error_code="service_fees_described_when_not_free",
                violation_error_message=_(
                    "Describe the fees of a service that is not free of charge."
                ),
            ),
            models.CheckConstraint(
                condition=Q(confidential=False) | ~Q(public_contact=""),
                name="service_confidential_has_public_contact",
                violation_error_code="service_confidential_has_public_contact",
                violation_error_message=_("A confidential service needs a public contact point."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Site(Tracked):
    """A place where services are delivered (HSDS location)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="sites", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=200)
    postal_code = models.CharField(
        _("postal code"),
        max_length=5,
        validators=[RegexValidator(r"^\d{5}$", _("Five digits (CAP)."))],
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="sites", verbose_name=_("municipality")
    )
    latitude = models.FloatField(_("latitude"), validators=latitude_validators)
    longitude = models.FloatField(_("longitude"), validators=longitude_validators)
    barrier_free = models.BooleanField(_("barrier-free"), default=False)
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("The address and coordinates never leave the organisation."),
    )
    public_contact = models.CharField(_("public contact point"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    services = models.ManyToManyField(
        Service, through="ServiceAtSite", related_name="sites", verbose_name=_("services")
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="site_lat_lon")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="site_coordinates_in_range",
                violation_error_code="site_coordinates_in_range",
                violation_error_message=_(
                    "The coordinates must be a valid latitude (-90..90) and longitude (-180..180)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(confidential=False) | ~Q(public_contact=""),
                name="site_confidential_has_public_contact",
                violation_error_code="site_confidential_has_public_contact",
                violation_error_message=_("A confidential site needs a public contact point."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceAtSite(Tracked):
    """A service offered at a site (HSDS service_at_location)."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="offerings", verbose_name=_("service")
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="offerings", verbose_name=_("site")
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("service at a site")
        verbose_name_plural = _("services at sites")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "site"],
                name="service_at_site_unique",
                violation_error_code="service_at_site_unique",
                violation_error_message=_("This service is already offered at this site."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} @ {self.site}"


class CapacityUnit(models.TextChoices):
    BEDS = "beds", _("beds")
    PLACES = "places", _("places")
    STAFF_FTE = "staff_fte", _("staff (full-time equivalent)")
    HOURS_PER_WEEK = "hours_week", _("hours a week")


class Capacity(Tracked):
    """How much of a service a site offers, and how much is free now (HSDS service_capacity)."""

    offering = models.ForeignKey(
        ServiceAtSite,
        on_delete=models.CASCADE,
        related_name="capacities",
        verbose_name=_("service at a site"),
    )
    unit = models.CharField(_("unit"), max_length=12, choices=CapacityUnit.choices)
    total = models.DecimalField(
        _("total"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)]
    )
    available = models.DecimalField(
        _("free now"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Leave empty where free places are not tracked (e.g. staff hours)."),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("capacity")
        verbose_name_plural = _("capacities")
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "unit"],
                name="capacity_one_per_unit",
                violation_error_code="capacity_one_per_unit",
                violation_error_message=_(
                    "This service at this site already has a capacity in this unit."
                ),
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0),
                name="capacity_total_non_negative",
                violation_error_code="capacity_total_non_negative",
                violation_error_message=_("The total capacity cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(available__isnull=True)
                | Q(available__gte=0, available__lte=F("total")),
                name="capacity_available_within_total",
                violation_error_code="capacity_available_within_total",
                violation_error_message=_("Free places must be between zero and the total."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering}: {self.total} {self.get_unit_display()}"


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class OpeningHours(models.Model):
    """A weekly opening interval of a service at a site (HSDS schedule, weekly).

    ``closes_at`` earlier than ``opens_at`` means the interval runs past midnight, as a
    night shelter's does.
    """

    offering = models.ForeignKey(
        ServiceAtSite,
        on_delete=models.CASCADE,
        related_name="opening_hours",
        verbose_name=_("service at a site"),
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=Weekday.choices,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
    )
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7),
                name="opening_weekday_1_to_7",
                violation_error_code="opening_weekday_1_to_7",
                violation_error_message=_("The weekday must be between 1 (Monday) and 7 (Sunday)."),
            ),
            models.CheckConstraint(
                condition=~Q(opens_at=F("closes_at")),
                name="opening_interval_not_empty",
                violation_error_code="opening_interval_not_empty",
                violation_error_message=_("Opening and closing times cannot be the same."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="opening_validity_ordered",
                violation_error_code="opening_validity_ordered",
                violation_error_message=_("The end of validity cannot be before its start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"
