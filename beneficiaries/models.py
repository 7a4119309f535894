"""People and their cases (presa in carico), with protected identity.

Public ids are random UUIDs. Names, codice fiscale, birth date, the special-category
flags, plans, needs, goals, referral reasons and note bodies are encrypted at rest; the
codice fiscale and the birth date also have a keyed hash for exact look-up and duplicate
prevention.
Every query for these models starts from ``visible_to(user)`` (see ``visibility.py``).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beneficiaries import visibility
from beneficiaries.encryption import (
    EncryptedBooleanField,
    EncryptedDateField,
    EncryptedTextField,
    KeyedHashField,
    YearOfField,
)
from core.tracking import Tracked
from registry.models import Municipality
from services.models import Organisation, Service, ServiceAtSite


class Gender(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")
    OTHER = "X", _("other / not stated")


# GDPR art. 9-10 special categories of data about a person (the Beneficiary flags).
SPECIAL_CATEGORIES = ("health_condition", "ethnic_minority", "violence_survivor", "criminal_record")


class Beneficiary(Tracked):
    """A person the services help (beneficiario / persona presa in carico)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_name = EncryptedTextField(_("given name"), plain_max_length=100)
    family_name = EncryptedTextField(_("family name"), plain_max_length=100)
    codice_fiscale = EncryptedTextField(
        _("codice fiscale"),
        plain_max_length=16,
        blank=True,
        help_text=_("Optional: people recently arrived may have none."),
    )
    # NULL, not "", for people without a code: the unique constraint ignores NULLs.
    codice_fiscale_hash = KeyedHashField(
        _("codice fiscale look-up hash"),
        source="codice_fiscale",
        normalise="beneficiaries.codice_fiscale.normalise",
        null=True,
        blank=True,
    )
    # The keyed hash of a coarse sound key of the family name (codice_fiscale.name_key):
    # intake finds people whose name was typed differently without decrypting everyone.
    family_name_key_hash = KeyedHashField(
        _("family name look-up hash"),
        source="family_name",
        normalise="beneficiaries.codice_fiscale.name_key",
        null=True,
        blank=True,
    )
    birth_date = EncryptedDateField(_("birth date"), null=True, blank=True)
    # What SQL may know of the birth date, for intake's duplicate search (a name's sound
    # key and a span of birth years) and the admin's search by birth date. The year alone
    # identifies nobody (the sealed view shows an age band anyway) and is what the search
    # takes, so it is plain: a span of years is an index range. The exact date, which
    # with the name singles a person out, is only a keyed hash (HMAC key kept apart from
    # the database, as for the codice fiscale): equal dates match, nothing else.
    birth_year = YearOfField(_("birth year"), source="birth_date", null=True, blank=True)
    birth_date_hash = KeyedHashField(
        _("birth date look-up hash"),
        source="birth_date",
        normalise="beneficiaries.encryption.iso_date",
        null=True,
        blank=True,
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    citizenship = models.CharField(
        _("citizenship"),
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("ISO 3166 country code, e.g. IT."))],
        help_text=_("ISO 3166-1 alpha-2; empty if stateless or unknown."),
    )
    residence_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("municipality of residence"),
    )
    homeless = models.BooleanField(_("homeless"), default=False)
    # GDPR art. 9/10 special categories: recorded only where the case needs them, each
    # encrypted (one token per flag, so forms, the admin, the API and the actions read and
    # write them as the booleans they are; nothing filters on them in SQL).
    health_condition = EncryptedBooleanField(_("health condition"), default=False)
    ethnic_minority = EncryptedBooleanField(
        _("ethnic minority (e.g. Roma, Sinti, Caminanti)"), default=False
    )
    violence_survivor = EncryptedBooleanField(_("survivor of violence"), default=False)
    criminal_record = EncryptedBooleanField(_("criminal record"), default=False)
    registered_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="registered_beneficiaries",
        verbose_name=_("registered by"),
    )

    objects = visibility.BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        indexes = [
            # Intake's duplicate search: a name's sound key and a span of birth years.
            models.Index(
                fields=["family_name_key_hash", "birth_year"], name="beneficiary_name_key_year"
            ),
        ]
        constraints = [
            # One person, one record: the keyed hash of the normalised codice fiscale.
            models.UniqueConstraint(
                fields=["codice_fiscale_hash"],
                name="beneficiary_codice_fiscale_unique",
                violation_error_code="beneficiary_codice_fiscale_unique",
                violation_error_message=_(
                    "A person with this codice fiscale is already registered."
                ),
            ),
            models.CheckConstraint(
                condition=Q(residence_municipality__isnull=False) | Q(homeless=True),
                name="beneficiary_resident_or_homeless",
                violation_error_code="beneficiary_resident_or_homeless",
                violation_error_message=_(
                    "Give the municipality of residence, or mark the person as homeless."
                ),
            ),
            models.CheckConstraint(
                condition=Q(family_name_key_hash__isnull=True)
                | Q(family_name_key_hash__regex=r"^[0-9a-f]{64}$"),
                name="beneficiary_family_name_key_hash_format",
                violation_error_code="beneficiary_family_name_key_hash_format",
                violation_error_message=_("The family name look-up hash is malformed."),
            ),
            models.CheckConstraint(
                condition=Q(codice_fiscale_hash__isnull=True)
                | Q(codice_fiscale_hash__regex=r"^[0-9a-f]{64}$"),
                name="beneficiary_codice_fiscale_hash_format",
                violation_error_code="beneficiary_codice_fiscale_hash_format",
                violation_error_message=_("The codice fiscale look-up hash is malformed."),
            ),
            models.CheckConstraint(
                condition=Q(birth_date_hash__isnull=True)
                | Q(birth_date_hash__regex=r"^[0-9a-f]{64}$"),
                name="beneficiary_birth_date_hash_format",
                violation_error_code="beneficiary_birth_date_hash_format",
                violation_error_message=_("The birth date look-up hash is malformed."),
            ),
        ]

    def __str__(self) -> str:
        # No name: __str__ ends up in logs, admin messages and error reports.
        return gettext("Beneficiary %(id)s") % {"id": str(self.pk)[:8]}

    @property
    def display_name(self) -> str:
        """The person's name, for pages that are entitled to show it."""
        return f"{self.family_name} {self.given_name}"

    def save(self, *args, **kwargs) -> None:
        fields = kwargs.get("update_fields")
        if fields is not None:
            # The look-up columns computed from a saved field are saved with it.
            derived = [
                field.attname
                for field in self._meta.concrete_fields
                if getattr(field, "source", None) in fields
            ]
            kwargs["update_fields"] = {*fields, *derived}
        super().save(*args, **kwargs)


def codice_fiscale_lookup_hash(codice_fiscale: str | None) -> str | None:
    """The keyed hash stored beside an encrypted codice fiscale (None when there is none)."""
    return Beneficiary._meta.get_field("codice_fiscale_hash").hash_of(codice_fiscale)


def family_name_lookup_hash(name: str | None) -> str | None:
    """The keyed hash of a name's sound key, as stored beside a family name."""
    return Beneficiary._meta.get_field("family_name_key_hash").hash_of(name)


def birth_date_lookup_hash(day) -> str | None:
    """The keyed hash stored beside an encrypted birth date (None when there is none)."""
    return Beneficiary._meta.get_field("birth_date_hash").hash_of(day)


class CaseStatus(models.TextChoices):
    OPEN = "open", _("open")
    SUSPENDED = "suspended", _("suspended")
    CLOSED = "closed", _("closed")


class CaseOutcome(models.TextChoices):
    GOALS_MET = "goals_met", _("goals met")
    PARTLY_MET = "partly_met", _("goals partly met")
    TRANSFERRED = "transferred", _("transferred to another service")
    MOVED_AWAY = "moved_away", _("moved away")
    DROPPED_OUT = "dropped_out", _("dropped out")
    DECEASED = "deceased", _("deceased")
    OTHER = "other", _("other")


class Case(Tracked):
    """A presa in carico: an organisation takes responsibility for a person."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="cases", verbose_name=_("beneficiary")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases", verbose_name=_("organisation")
    )
    lead_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_cases",
        verbose_name=_("lead worker"),
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="team_cases",
        verbose_name=_("team"),
        help_text=_("Workers besides the lead worker who may see a protected case."),
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=CaseOutcome.choices, blank=True)
    protected = models.BooleanField(
        _("protected"),
        default=False,
        help_text=_("Visible only to its team (e.g. a survivor of violence)."),
    )
    plan_summary = EncryptedTextField(
        _("personalised plan"),
        blank=True,
        help_text=_("The overall aims agreed with the person; the goals are listed below."),
    )
    follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    # Touched by every change to the case or its needs, goals, notes, referrals and
    # placements (beneficiaries/activity.py), so that a caseload sorts by what moved last.
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)

    objects = visibility.CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case (presa in carico)")
        verbose_name_plural = _("cases (prese in carico)")
        ordering = ["-opened_on"]
        indexes = [
            # The scoping function's "not in a protected case": a short list, not a scan.
            models.Index(
                fields=["beneficiary"],
                condition=Q(protected=True),
                name="case_protected_beneficiary",
            ),
            models.Index(fields=["organisation", "status"], name="case_org_status"),
            models.Index(fields=["lead_worker", "-last_activity_at"], name="case_lead_activity"),
            models.Index(fields=["organisation", "-last_activity_at"], name="case_org_activity"),
            models.Index(fields=["organisation", "follow_up_on"], name="case_org_follow_up"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="closed") & Q(closed_on__isnull=False) & ~Q(outcome=""))
                | (~Q(status="closed") & Q(closed_on__isnull=True) & Q(outcome="")),
                name="case_closed_iff_closing_date_and_outcome",
                violation_error_code="case_closed_iff_closing_date_and_outcome",
                violation_error_message=_(
                    "A closed case needs a closing date and an outcome; "
                    "an open or suspended case has neither."
                ),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="case_closed_after_opened",
                violation_error_code="case_closed_after_opened",
                violation_error_message=_("A case cannot be closed before it was opened."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("Case %(id)s") % {"id": str(self.pk)[:8]}


class NeedDomain(models.TextChoices):
    HOUSING = "housing", _("housing")
    WORK = "work", _("work")
    HEALTH = "health", _("health")
    INCOME = "income", _("income")
    EDUCATION = "education", _("education")
    LEGAL = "legal", _("legal")
    FAMILY = "family", _("family")


class Severity(models.IntegerChoices):
    LOW = 1, _("low")
    MEDIUM = 2, _("medium")
    HIGH = 3, _("high")
    CRITICAL = 4, _("critical")


class Need(Tracked):
    """A need assessed in a case, by domain and severity."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="needs", verbose_name=_("case")
    )
    domain = models.CharField(_("domain"), max_length=10, choices=NeedDomain.choices)
    severity = models.PositiveSmallIntegerField(
        _("severity"),
        choices=Severity.choices,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    description = EncryptedTextField(_("description"), blank=True)
    identified_on = models.DateField(_("identified on"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    objects = visibility.NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=4),
                name="need_severity_1_to_4",
                violation_error_code="need_severity_1_to_4",
                violation_error_message=_("Severity is between 1 (low) and 4 (critical)."),
            ),
            models.CheckConstraint(
                condition=Q(domain__in=NeedDomain.values),
                name="need_domain_known",
                violation_error_code="need_domain_known",
                violation_error_message=_("Unknown need domain."),
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("identified_on")),
                name="need_resolved_after_identified",
                violation_error_code="need_resolved_after_identified",
                violation_error_message=_("A need cannot be resolved before it was identified."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_domain_display()} ({self.get_severity_display()})"


class GoalStatus(models.TextChoices):
    OPEN = "open", _("in progress")
    ACHIEVED = "achieved", _("achieved")
    NOT_ACHIEVED = "not_achieved", _("not achieved")


class Goal(Tracked):
    """A goal of the personalised plan (progetto personalizzato), with its target date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="goals", verbose_name=_("case")
    )
    description = EncryptedTextField(_("goal"), plain_max_length=500)
    domain = models.CharField(_("domain"), max_length=10, choices=NeedDomain.choices, blank=True)
    target_on = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=GoalStatus.choices, default=GoalStatus.OPEN
    )

    objects = visibility.GoalQuerySet.as_manager()

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=GoalStatus.values),
                name="goal_status_known",
                violation_error_code="goal_status_known",
                violation_error_message=_("Unknown goal status."),
            ),
            models.CheckConstraint(
                condition=Q(domain="") | Q(domain__in=NeedDomain.values),
                name="goal_domain_known",
                violation_error_code="goal_domain_known",
                violation_error_message=_("Unknown need domain."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("Goal %(id)s") % {"id": str(self.pk)[:8]}


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", _("referred")
    ACCEPTED = "accepted", _("accepted")
    WAITING = "waiting", _("waiting list")
    ACTIVE = "active", _("active")
    DECLINED = "declined", _("declined")
    CLOSED = "closed", _("closed")


class Referral(Tracked):
    """A case sent to a service (invio), followed through to its end."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("case")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("service")
    )
    offering = models.ForeignKey(
        ServiceAtSite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("site"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referrals_made",
        verbose_name=_("referred by"),
    )
    referred_on = models.DateField(_("referred on"))
    responded_on = models.DateField(_("accepted or declined on"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # Encrypted; "" stays "" (no reason), so the check below can still ask for one.
    reason = EncryptedTextField(
        _("reason"), blank=True, help_text=_("Why it was made, declined or closed.")
    )

    objects = visibility.ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-referred_on"]
        indexes = [models.Index(fields=["service", "status"], name="referral_service_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(responded_on__isnull=True) | Q(responded_on__gte=F("referred_on")),
                name="referral_response_after_referral",
                violation_error_code="referral_response_after_referral",
                violation_error_message=_("A referral cannot be answered before it was made."),
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(started_on__gte=F("referred_on")),
                name="referral_start_after_referral",
                violation_error_code="referral_start_after_referral",
                violation_error_message=_("A referral cannot start before it was made."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("referred_on")),
                name="referral_end_after_referral",
                violation_error_code="referral_end_after_referral",
                violation_error_message=_("A referral cannot end before it was made."),
            ),
            # Each status carries the dates that say how it got there.
            models.CheckConstraint(
                condition=Q(status__in=["referred", "waiting"], ended_on__isnull=True)
                | Q(status="accepted", responded_on__isnull=False, ended_on__isnull=True)
                | Q(status="active", started_on__isnull=False, ended_on__isnull=True)
                | Q(status="declined", responded_on__isnull=False, ended_on__isnull=True)
                & ~Q(reason="")
                | Q(status="closed", ended_on__isnull=False),
                name="referral_status_dates",
                violation_error_code="referral_status_dates",
                violation_error_message=_(
                    "The status does not match the dates: accepted and declined need a "
                    "response date, declined also a reason, active a start date, closed an "
                    "end date; only a closed referral has an end date."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.service}"


class ConsentPurpose(models.TextChoices):
    CASE_MANAGEMENT = "case_management", _("case management")
    SHARING_WITH_PROVIDERS = "sharing", _("sharing with the providers referred to")
    HOUSING = "housing", _("housing placement")
    CONTACT = "contact", _("being contacted")
    STATISTICS = "statistics", _("anonymised statistics")


class Consent(Tracked):
    """A person's consent to a purpose of processing, with its withdrawal."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("beneficiary"),
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    # Some purposes are agreed for a time (e.g. sharing for the length of a project).
    expires_on = models.DateField(
        _("expires on"),
        null=True,
        blank=True,
        help_text=_("Leave empty if the consent holds until it is withdrawn."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="consents_recorded",
        verbose_name=_("recorded by"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("organisation"),
    )

    objects = visibility.ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
                violation_error_code="consent_withdrawn_after_given",
                violation_error_message=_("Consent cannot be withdrawn before it was given."),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("given_on")),
                name="consent_expires_after_given",
                violation_error_code="consent_expires_after_given",
                violation_error_message=_("Consent cannot expire before it was given."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_purpose_display()


class Note(Tracked):
    """A case note, encrypted at rest and visible to the case team only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="case_notes",
        verbose_name=_("author"),
    )
    body = EncryptedTextField(_("text"))

    objects = visibility.NoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return gettext("Note of %(date)s") % {"date": f"{self.created_at:%Y-%m-%d}"}
