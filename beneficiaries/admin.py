"""Back office for people and their cases (prese in carico).

Every list, form, inline, choice and look-up here starts from the model's
``visible_to(user)`` (beneficiaries/visibility.py): superusers get no bypass. Personal
records are never deleted here (erasure is its own audited path), and the admin log
names them by id, never by a person's name.

Encrypted columns (names, codice fiscale, need descriptions, note bodies) cannot be
searched, sorted or filtered in SQL: a codice fiscale is found through its keyed hash.
"""

from __future__ import annotations

import datetime
import json
import re

from auditlog.models import LogEntry as AccessLogEntry
from django import forms
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from beneficiaries.codice_fiscale import check_consistency, normalise, validate_codice_fiscale
from beneficiaries.encryption import EncryptedTextField
from beneficiaries.models import (
    Beneficiary,
    Case,
    Consent,
    Need,
    Note,
    Referral,
    codice_fiscale_lookup_hash,
)
from beneficiaries.visibility import CASEWORK_ROLES, casework_case_q, scope_of
from config.access_log import log_access
from registry.admin import (
    AtlanteModelAdmin,
    RelatedOnlyLightFilter,
    VersionCheckedForm,
    add_errors,
)
from services.admin import USER_LOOKUPS
from services.models import Membership, Organisation

User = get_user_model()

CODICE_FISCALE_LIKE = re.compile(r"^[A-Z0-9]{16}$")
ID_PREFIX = re.compile(r"^[0-9a-f]{8,32}$")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


# --- Choices offered in forms: only what the user may see or act for ---------------------


def visible_beneficiaries(request):
    return Beneficiary.objects.visible_to(request.user)


def visible_cases(request):
    return Case.objects.visible_to(request.user)


def casework_cases(request):
    """Cases the user works on as part of the team (provider staff excluded): notes."""
    return Case.objects.visible_to(request.user).filter(casework_case_q(scope_of(request.user)))


def casework_organisations(request):
    """The organisations the user takes people in charge for."""
    return Organisation.objects.filter(pk__in=scope_of(request.user).casework, active=True)


def colleagues(request):
    """Active social workers and coordinators of the user's casework organisations."""
    casework = scope_of(request.user).casework
    if not casework:
        return User.objects.none()
    members = Membership.objects.filter(
        organisation__in=casework, active=True, role__in=CASEWORK_ROLES
    ).values("user_id")
    return User.objects.filter(is_active=True, pk__in=members)


# The user look-ups of the case form (served by the user admin, see services/admin.py).
USER_LOOKUPS[("beneficiaries", "case", "lead_worker")] = colleagues
USER_LOOKUPS[("beneficiaries", "case", "team")] = colleagues


def identifier_q(term: str, *, codice_fiscale_hash_path: str | None, date_path: str | None = None):
    """A filter for a search term that is an identifier, or None if it is not one.

    A codice fiscale (16 letters and digits once normalised) matches through its keyed
    hash; 8 to 32 hex digits match the start of the record id (the short id shown in
    lists); a date matches ``date_path``.
    """
    q = Q()
    code = normalise(term)
    if codice_fiscale_hash_path and CODICE_FISCALE_LIKE.fullmatch(code):
        q |= Q(**{codice_fiscale_hash_path: codice_fiscale_lookup_hash(code)})
    hex_term = term.strip().lower().replace("-", "")
    if ID_PREFIX.fullmatch(hex_term):
        q |= Q(pk__startswith=hex_term)
    if date_path:
        for date_format in DATE_FORMATS:
            try:
                day = datetime.datetime.strptime(term.strip(), date_format).date()
            except ValueError:
                continue
            q |= Q(**{date_path: day})
            break
    return q if q else None


class PersonalDataAdmin(AtlanteModelAdmin):
    """Base admin of a personal record: scoped by ``visible_to``, never deleted here."""

    # Path to the keyed hash of the person's codice fiscale, for search.
    codice_fiscale_hash_path: str | None = None
    date_search_path: str | None = None
    # Whether ``search_fields`` are real columns to search (False: a placeholder that
    # turns the search box and autocomplete on, the search itself being by identifier).
    plain_search = True
    # Foreign keys whose choices are scoped to the user, by field name.
    scoped_choices = {
        "beneficiary": visible_beneficiaries,
        "case": visible_cases,
        "organisation": casework_organisations,
        "registered_by": casework_organisations,
    }
    # Fields fixed once the record exists (e.g. the case a need belongs to).
    readonly_on_change: tuple[str, ...] = ()
    # The field that records who wrote the record: the requesting user, never chosen.
    actor_field: str | None = None
    search_help_text = _("Codice fiscale, or the first 8 characters of the record id.")

    def get_changelist_instance(self, request):
        # The list page shows people too: one access-log row per record on the page.
        changelist = super().get_changelist_instance(request)
        log_access(request, changelist.result_list, via="admin-list")
        return changelist

    def get_queryset(self, request):
        queryset = self.model.objects.visible_to(request.user)
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return self.optimise(queryset)

    def is_visible(self, request, obj) -> bool:
        cache = request.__dict__.setdefault("_atlante_visible", {})
        key = (obj._meta.label, obj.pk)
        if key not in cache:
            visible = self.model.objects.visible_to(request.user).filter(pk=obj.pk)
            cache[key] = visible.exists()
        return cache[key]

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.is_visible(request, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.is_visible(request, obj))

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        identifier = identifier_q(
            term,
            codice_fiscale_hash_path=self.codice_fiscale_hash_path,
            date_path=self.date_search_path,
        )
        if not self.plain_search:
            return (queryset.filter(identifier) if identifier else queryset.none()), False
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if identifier:
            results = results | queryset.filter(identifier)
        return results, may_have_duplicates

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self.scoped_choices.get(db_field.name)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.actor_field:
            readonly.append(self.actor_field)
        if obj is not None:
            readonly += [name for name in self.readonly_on_change if name not in readonly]
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None and self.actor_field:
            fieldsets = [
                (name, {**opts, "fields": [f for f in opts["fields"] if f != self.actor_field]})
                for name, opts in fieldsets
            ]
        return fieldsets

    def save_model(self, request, obj, form, change):
        if not change and self.actor_field:
            setattr(obj, f"{self.actor_field}_id", request.user.pk)
        super().save_model(request, obj, form, change)

    # The admin log is plain text: name a person's record by its id, not by the person.
    def log_repr(self, obj) -> str:
        with translation.override(None):
            return f"{obj._meta.verbose_name} {str(obj.pk)[:8]}"

    def _log(self, request, obj, action_flag, message):
        if isinstance(message, list):
            message = json.dumps(message)
        return LogEntry.objects.create(
            user_id=request.user.pk,
            content_type_id=get_content_type_for_model(obj).pk,
            object_id=str(obj.pk),
            object_repr=self.log_repr(obj),
            action_flag=action_flag,
            change_message=message,
        )

    def log_addition(self, request, obj, message):
        return self._log(request, obj, ADDITION, message)

    def log_change(self, request, obj, message):
        return self._log(request, obj, CHANGE, message)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name in ("organisation", "registered_by"):
            if name in {f.name for f in self.model._meta.fields} and name not in initial:
                organisations = list(casework_organisations(request).values_list("pk", flat=True))
                if len(organisations) == 1:
                    initial[name] = organisations[0]
        return initial


class PersonalInlineMixin:
    """An inline of personal records: scoped by ``visible_to``, never deleted here."""

    can_delete = False
    extra = 0
    inline_select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        queryset = self.model.objects.visible_to(request.user)
        if not self.has_view_or_change_permission(request):
            queryset = queryset.none()
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return queryset.select_related(*self.inline_select_related)

    def has_delete_permission(self, request, obj=None):
        return False


# Who wrote a record, by model: set to the requesting user on the inlines of a case.
ACTOR_FIELDS = {Referral: "referred_by", Note: "author", Consent: "recorded_by"}


def save_inline_with_actor(request, formset) -> None:
    actor_field = ACTOR_FIELDS.get(formset.model)
    for obj in formset.save(commit=False):
        if actor_field and obj._state.adding:
            setattr(obj, f"{actor_field}_id", request.user.pk)
        obj.save()
    formset.save_m2m()


# --- Beneficiary ------------------------------------------------------------------------


class BeneficiaryForm(VersionCheckedForm):
    def clean_codice_fiscale(self):
        value = self.cleaned_data.get("codice_fiscale") or ""
        return validate_codice_fiscale(value) if value.strip() else ""

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("codice_fiscale")
        if not code:
            return cleaned
        try:
            check_consistency(
                code, birth_date=cleaned.get("birth_date"), gender=cleaned.get("gender")
            )
        except ValidationError as error:
            add_errors(self, error)
        if self.instance._state.adding or "codice_fiscale" in self.changed_data:
            # The database keeps one record per codice fiscale whoever registered it;
            # say so here rather than fail on save. Only existence is revealed, which
            # the unique constraint would reveal anyway.
            duplicate = Beneficiary.objects.filter(
                codice_fiscale_hash=codice_fiscale_lookup_hash(code)
            ).exclude(pk=self.instance.pk)
            if duplicate.exists():
                self.add_error(
                    "codice_fiscale",
                    _(
                        "A person with this codice fiscale is already registered. "
                        "Search for them, or ask the organisation that follows them."
                    ),
                )
        return cleaned


class CaseSummaryInline(PersonalInlineMixin, admin.TabularInline):
    """The person's cases the user may see, read-only, with a link to each."""

    model = Case
    fk_name = "beneficiary"
    fields = ["opened_on", "organisation", "lead_worker", "status", "protected", "closed_on"]
    readonly_fields = fields
    inline_select_related = ("organisation", "lead_worker")
    show_change_link = True
    verbose_name_plural = _("cases you can see")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Beneficiary)
class BeneficiaryAdmin(PersonalDataAdmin):
    form = BeneficiaryForm
    list_display = [
        "full_name",
        "birth_date",
        "gender",
        "citizenship",
        "residence_municipality",
        "homeless",
        "registered_by",
        "created_at",
    ]
    list_display_links = ["full_name"]
    list_filter = [
        "gender",
        "homeless",
        "residence_municipality__metropolitan_city",
        ("registered_by", RelatedOnlyLightFilter),
    ]
    list_select_related = ("residence_municipality", "registered_by")
    # A placeholder that turns the search box and autocomplete on; the search itself is
    # by identifier (get_search_results): names are encrypted and cannot be searched.
    search_fields = ["codice_fiscale_hash"]
    plain_search = False
    codice_fiscale_hash_path = "codice_fiscale_hash"
    date_search_path = "birth_date"
    search_help_text = _(
        "Codice fiscale, birth date (dd/mm/yyyy) or the first 8 characters of the record id."
    )
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["residence_municipality"]
    readonly_on_change = ("registered_by",)
    formfield_overrides = {EncryptedTextField: {"widget": forms.TextInput}}
    inlines = [CaseSummaryInline]
    fieldsets = [
        (
            _("Identity"),
            {
                "fields": [
                    "family_name",
                    "given_name",
                    "codice_fiscale",
                    "birth_date",
                    "gender",
                    "citizenship",
                ]
            },
        ),
        (_("Residence"), {"fields": ["residence_municipality", "homeless"]}),
        (
            _("Special categories of data (GDPR art. 9-10)"),
            {
                "fields": [
                    "health_condition",
                    "ethnic_minority",
                    "violence_survivor",
                    "criminal_record",
                ],
                "classes": ["collapse"],
                "description": _("Record them only where the case needs them."),
            },
        ),
        (_("Registration"), {"fields": ["registered_by"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_inlines(self, request, obj):
        # A person being registered has no cases yet.
        return self.inlines if obj is not None else []

    @admin.display(description=_("name"))
    def full_name(self, obj) -> str:
        # Decrypted in Python from the row already loaded: no query per row.
        return f"{obj.family_name} {obj.given_name}"


# --- Case and its inlines ---------------------------------------------------------------


class NeedInline(PersonalInlineMixin, admin.TabularInline):
    model = Need
    fields = ["domain", "severity", "description", "identified_on", "resolved_on"]
    formfield_overrides = {EncryptedTextField: {"widget": forms.Textarea(attrs={"rows": 2})}}


class ReferralInline(PersonalInlineMixin, admin.TabularInline):
    model = Referral
    fields = [
        "service",
        "offering",
        "status",
        "referred_on",
        "responded_on",
        "started_on",
        "ended_on",
        "reason",
        "referred_by",
    ]
    readonly_fields = ["referred_by"]
    autocomplete_fields = ["service", "offering"]
    inline_select_related = ("referred_by",)
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}


class NoteInline(PersonalInlineMixin, admin.StackedInline):
    model = Note
    fields = ["body", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    inline_select_related = ("author",)


class CaseForm(VersionCheckedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        # Keep today's assignment selectable even if the worker has since moved on.
        if "lead_worker" in self.fields:
            field = self.fields["lead_worker"]
            field.queryset = field.queryset | User.objects.filter(pk=self.instance.lead_worker_id)
        if "team" in self.fields:
            field = self.fields["team"]
            team = self.instance.team.values("pk")
            field.queryset = field.queryset | User.objects.filter(pk__in=team)

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation") or getattr(self.instance, "organisation", None)
        if organisation is None:
            return cleaned
        # Only workers of the case's organisation can see it (visibility.py): assigning
        # anyone else would hand them a case they cannot open.
        wanted = {}
        if "lead_worker" in self.changed_data and cleaned.get("lead_worker"):
            wanted["lead_worker"] = [cleaned["lead_worker"]]
        if "team" in self.changed_data and cleaned.get("team") is not None:
            before = (
                set(self.instance.team.values_list("pk", flat=True)) if self.instance.pk else set()
            )
            wanted["team"] = [user for user in cleaned["team"] if user.pk not in before]
        users = {user.pk for group in wanted.values() for user in group}
        workers = set(
            Membership.objects.filter(
                organisation=organisation,
                active=True,
                role__in=CASEWORK_ROLES,
                user__in=users,
            ).values_list("user_id", flat=True)
        )
        for field, group in wanted.items():
            outsiders = [str(user) for user in group if user.pk not in workers]
            if outsiders:
                self.add_error(
                    field,
                    _("Not a social worker or coordinator of %(organisation)s: %(users)s.")
                    % {"organisation": organisation, "users": ", ".join(outsiders)},
                )
        return cleaned


@admin.register(Case)
class CaseAdmin(PersonalDataAdmin):
    form = CaseForm
    list_display = [
        "short_id",
        "beneficiary_name",
        "organisation",
        "lead_worker",
        "status",
        "protected",
        "opened_on",
        "closed_on",
    ]
    list_filter = ["status", "protected", "outcome", ("organisation", RelatedOnlyLightFilter)]
    list_select_related = ("beneficiary", "organisation", "lead_worker")
    defer_fields = ("beneficiary__codice_fiscale",)
    search_fields = ["organisation__name", "lead_worker__username", "lead_worker__last_name"]
    codice_fiscale_hash_path = "beneficiary__codice_fiscale_hash"
    search_help_text = _(
        "Codice fiscale of the person, the first 8 characters of the case id, the "
        "organisation or the lead worker."
    )
    date_hierarchy = "opened_on"
    autocomplete_fields = ["beneficiary", "lead_worker", "team"]
    readonly_on_change = ("beneficiary", "organisation")
    inlines = [NeedInline, ReferralInline, NoteInline]
    scoped_choices = {**PersonalDataAdmin.scoped_choices, "lead_worker": colleagues}
    fieldsets = [
        (None, {"fields": ["beneficiary", "organisation", "lead_worker", "team", "protected"]}),
        (_("Course"), {"fields": ["opened_on", "status", "closed_on", "outcome"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "team" and "queryset" not in kwargs:
            kwargs["queryset"] = colleagues(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("opened_on", datetime.date.today())
        if colleagues(request).filter(pk=request.user.pk).exists():
            initial.setdefault("lead_worker", request.user.pk)
        return initial

    def save_formset(self, request, form, formset, change):
        save_inline_with_actor(request, formset)

    @admin.display(description=_("case"), ordering="pk")
    def short_id(self, obj) -> str:
        return str(obj.pk)[:8]

    @admin.display(description=_("beneficiary"))
    def beneficiary_name(self, obj) -> str:
        return str(obj.beneficiary)


# --- Need, referral, consent, note ------------------------------------------------------


class CaseRecordAdmin(PersonalDataAdmin):
    """A record that belongs to a case: shows the case and its person."""

    list_select_related = ("case__beneficiary",)
    defer_fields = ("case__beneficiary__codice_fiscale",)
    codice_fiscale_hash_path = "case__beneficiary__codice_fiscale_hash"
    autocomplete_fields = ["case"]
    readonly_on_change = ("case",)

    @admin.display(description=_("case"), ordering="case_id")
    def case_short_id(self, obj) -> str:
        return str(obj.case_id)[:8]

    @admin.display(description=_("beneficiary"))
    def beneficiary_name(self, obj) -> str:
        return str(obj.case.beneficiary)


@admin.register(Need)
class NeedAdmin(CaseRecordAdmin):
    list_display = [
        "domain",
        "severity",
        "beneficiary_name",
        "case_short_id",
        "identified_on",
        "resolved_on",
    ]
    list_filter = ["domain", "severity", ("resolved_on", admin.EmptyFieldListFilter)]
    search_fields = ["case__organisation__name"]
    date_hierarchy = "identified_on"
    ordering = ["-identified_on"]
    fieldsets = [
        (None, {"fields": ["case", "domain", "severity", "description"]}),
        (_("Dates"), {"fields": ["identified_on", "resolved_on"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("identified_on", datetime.date.today())
        return initial


class ReferralForm(VersionCheckedForm):
    def clean(self):
        cleaned = super().clean()
        service = cleaned.get("service") or getattr(self.instance, "service", None)
        offering = cleaned.get("offering")
        if service is not None and offering is not None and offering.service_id != service.pk:
            self.add_error("offering", _("This site does not offer the service referred to."))
        return cleaned


@admin.register(Referral)
class ReferralAdmin(CaseRecordAdmin):
    form = ReferralForm
    list_display = [
        "beneficiary_name",
        "case_short_id",
        "service",
        "site",
        "status",
        "referred_on",
        "responded_on",
        "started_on",
        "ended_on",
    ]
    list_filter = [
        "status",
        ("service__organisation", RelatedOnlyLightFilter),
        ("case__organisation", RelatedOnlyLightFilter),
    ]
    list_select_related = ("case__beneficiary", "service", "offering__site")
    search_fields = ["service__name", "service__organisation__name", "case__organisation__name"]
    date_hierarchy = "referred_on"
    autocomplete_fields = ["case", "service", "offering"]
    readonly_on_change = ("case", "service")
    actor_field = "referred_by"
    fieldsets = [
        (None, {"fields": ["case", "service", "offering", "status", "referred_by"]}),
        (
            _("Dates"),
            {"fields": ["referred_on", "responded_on", "started_on", "ended_on", "reason"]},
        ),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    @admin.display(description=_("site"), ordering="offering__site__name")
    def site(self, obj):
        return obj.offering.site if obj.offering_id else "-"

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("referred_on", datetime.date.today())
        return initial


@admin.register(Consent)
class ConsentAdmin(PersonalDataAdmin):
    list_display = [
        "beneficiary_name",
        "purpose",
        "given_on",
        "withdrawn_on",
        "organisation",
        "recorded_by",
    ]
    list_filter = [
        "purpose",
        ("withdrawn_on", admin.EmptyFieldListFilter),
        ("organisation", RelatedOnlyLightFilter),
    ]
    list_select_related = ("beneficiary", "organisation", "recorded_by")
    defer_fields = ("beneficiary__codice_fiscale",)
    search_fields = ["organisation__name"]
    codice_fiscale_hash_path = "beneficiary__codice_fiscale_hash"
    date_hierarchy = "given_on"
    autocomplete_fields = ["beneficiary"]
    readonly_on_change = ("beneficiary", "organisation")
    actor_field = "recorded_by"
    fieldsets = [
        (None, {"fields": ["beneficiary", "purpose", "organisation", "recorded_by"]}),
        (_("Dates"), {"fields": ["given_on", "withdrawn_on"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    @admin.display(description=_("beneficiary"))
    def beneficiary_name(self, obj) -> str:
        return str(obj.beneficiary)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("given_on", datetime.date.today())
        return initial


@admin.register(Note)
class NoteAdmin(CaseRecordAdmin):
    list_display = ["created_at", "beneficiary_name", "case_short_id", "author"]
    list_filter = [("case__organisation", RelatedOnlyLightFilter)]
    list_select_related = ("case__beneficiary", "author")
    search_fields = ["author__username", "author__last_name"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actor_field = "author"
    scoped_choices = {**PersonalDataAdmin.scoped_choices, "case": casework_cases}
    fieldsets = [
        (None, {"fields": ["case", "body", "author"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]


# --- Access log ---------------------------------------------------------------------------

admin.site.unregister(AccessLogEntry)


@admin.register(AccessLogEntry)
class AccessLogAdmin(admin.ModelAdmin):
    """Who opened which personal record, when and from where (config.access_log); read
    only, for those who audit access (superusers)."""

    list_display = ("timestamp", "actor", "content_type", "object_pk", "action", "remote_addr")
    list_filter = ("action", "content_type")
    list_select_related = ("actor", "content_type")
    search_fields = ("object_pk", "actor__username")
    date_hierarchy = "timestamp"
    fields = (
        "timestamp",
        "actor",
        "content_type",
        "object_pk",
        "object_repr",
        "action",
        "remote_addr",
        "additional_data",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
