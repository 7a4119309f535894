"""Back office for people and their cases (prese in carico).

Every list, form, inline, choice and look-up here starts from the model's
``visible_to(user)`` (beneficiaries/visibility.py): superusers get no bypass. Personal
records are never deleted here (erasure is its own audited path).

Every write is a domain action (``beneficiaries/actions/``): the admin only turns the form
into the action's arguments, and the action's refusal into form errors (the refused save
is rolled back and the page comes back with the domain's message by the field it names:
``registry.admin.AtlanteModelAdmin``). What no action expresses is read-only here: a
referral's status and dates change through "Move the referral" on its page, a case is
closed through "Close the case" on its page, a need is resolved and a consent withdrawn
on their own pages, notes are never edited. The one audit is the actions' ``AuditEntry``
(via "admin"): the admin's own log is not written, and a record's history page shows its
audit rows.

Encrypted columns (names, codice fiscale, birth date, special-category flags, plans, need
descriptions, referral reasons, note bodies) cannot be searched, sorted or filtered in SQL:
a codice fiscale and a birth date are found through their keyed hashes.
"""

from __future__ import annotations

import datetime
import functools
import operator
import re

from auditlog.models import LogEntry as AccessLogEntry
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.actions.cases import (
    CASE_EDITABLE,
    case_close,
    case_open,
    case_update,
    case_workers,
    need_add,
    need_resolve,
    note_add,
)
from beneficiaries.actions.consents import consent_give, consent_withdraw
from beneficiaries.actions.people import (
    PERSON_FIELDS,
    person_register,
    person_update,
)
from beneficiaries.actions.referrals import referral_create, referral_move
from beneficiaries.codice_fiscale import normalise
from beneficiaries.encryption import EncryptedTextField
from beneficiaries.models import (
    SPECIAL_CATEGORIES,
    Beneficiary,
    Case,
    CaseOutcome,
    CaseStatus,
    Consent,
    ConsentPurpose,
    Need,
    Note,
    Referral,
    ReferralStatus,
    birth_date_lookup_hash,
    codice_fiscale_lookup_hash,
)
from beneficiaries.person_find import find_person_view
from beneficiaries.selectors import referral_view_for
from beneficiaries.visibility import scope_of
from core.access_log import log_access
from core.admin import AuditedByActionsMixin, ReadOnlyAdminMixin
from core.errors import ActionError
from registry.admin import (
    AtlanteModelAdmin,
    RelatedOnlyLightFilter,
    VersionCheckedForm,
    refusal_for,
    without_fields,
)
from security.reauth import require_recent_auth
from services.actions.records import adopt
from services.admin.organisations import USER_LOOKUPS
from services.admin.writes import changes_of
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
    return Case.objects.worked_on_by(request.user)


def casework_organisations(request):
    """The organisations the user takes people in charge for."""
    return Organisation.objects.filter(pk__in=scope_of(request.user).casework, active=True)


def colleagues(request):
    """Who may lead or join a case of the user's organisations: ``case_workers`` of each
    (the actions' own reader: active users with an active social-worker or coordinator
    membership of an active organisation)."""
    organisations = scope_of(request.user).casework
    if not organisations:
        return User.objects.none()
    return case_workers(organisations)


# The user look-ups of the case form (served by the user admin, see
# services/admin/organisations.py).
USER_LOOKUPS[("beneficiaries", "case", "lead_worker")] = colleagues
USER_LOOKUPS[("beneficiaries", "case", "team")] = colleagues


def codice_fiscale_q(term: str, hash_path: str | None):
    """A filter for a search term that is a codice fiscale (16 letters and digits once
    normalised), matched through its keyed hash at ``hash_path``; None if it is not one."""
    code = normalise(term)
    if hash_path and CODICE_FISCALE_LIKE.fullmatch(code):
        return Q(**{hash_path: codice_fiscale_lookup_hash(code)})
    return None


def identifier_q(term: str, *, date_path: str | None = None, date_key=None):
    """A filter for a search term that is a record id or a date, or None if it is neither.

    8 to 32 hex digits match the start of the record id (the short id shown in lists); a
    date matches ``date_path`` (through ``date_key(date)`` when the path is a keyed hash
    of an encrypted date).
    """
    q = Q()
    hex_term = term.strip().lower().replace("-", "")
    if ID_PREFIX.fullmatch(hex_term):
        q |= Q(pk__startswith=hex_term)
    if date_path:
        for date_format in DATE_FORMATS:
            try:
                day = datetime.datetime.strptime(term.strip(), date_format).date()
            except ValueError:
                continue
            q |= Q(**{date_path: date_key(day) if date_key else day})
            break
    return q if q else None


class PersonalForm(VersionCheckedForm):
    """The form of a personal record: the version it was opened at (``seen_version``) goes
    to the action, which checks it under its own row lock."""

    version_checked_by_action = True


class PersonalDataAdmin(AuditedByActionsMixin, AtlanteModelAdmin):
    """Base admin of a personal record: scoped by ``visible_to``, never deleted here,
    written through the domain actions (each subclass's ``save_model``), audited by them.

    Inlines add their rows through ``inline_actions`` (model → function of the acting
    user, the parent record and the inline form's cleaned data); their existing rows are
    read-only (``PersonalInlineMixin``).
    """

    form = PersonalForm
    # Path to the keyed hash of the person's codice fiscale, for search.
    codice_fiscale_hash_path: str | None = None
    date_search_path: str | None = None
    # What a date searched for is turned into to match ``date_search_path`` (e.g. its hash).
    date_search_key = None
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
    # The field that records who wrote the record: the action sets it, never chosen.
    actor_field: str | None = None
    # model of an inline -> function(acting_user, parent, cleaned_data) adding one row.
    inline_actions: dict = {}
    search_help_text = _("The first 8 characters of the record id.")

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

    def codice_fiscale_searchable(self, request, queryset):
        """The rows a codice fiscale may find (all the listed ones, unless a subclass
        narrows them: a match tells whose record it is)."""
        return queryset

    def identifier_matches(self, request, queryset, term: str):
        """The rows the term finds as an identifier, or None if it is not one."""
        found = []
        # No codice fiscale (issue 13): a search term sits in the URL. The people's list
        # finds one by POST instead (beneficiaries/person_find.py).
        by_id = identifier_q(term, date_path=self.date_search_path, date_key=self.date_search_key)
        if by_id is not None:
            found.append(queryset.filter(by_id))
        return functools.reduce(operator.or_, found) if found else None

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        found = self.identifier_matches(request, queryset, term)
        if not self.plain_search:
            return (found if found is not None else queryset.none()), False
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if found is not None:
            results = results | found
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
            fieldsets = without_fields(fieldsets, [self.actor_field])
        return fieldsets

    def save_model(self, request, obj, form, change):
        # Every personal admin writes through its actions (its own ``save_model``).
        raise PermissionDenied

    def save_formset(self, request, form, formset, change):
        """Each new inline row through its action; existing rows are read-only."""
        add = self.inline_actions.get(formset.model)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.extra_forms:
            if not inline_form.has_changed():
                continue
            if add is None:
                raise PermissionDenied
            try:
                added = add(request.user, formset.instance, inline_form.cleaned_data)
            except ActionError as error:
                raise refusal_for(error, inline_form) from None
            formset.new_objects.append(added)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name in ("organisation", "registered_by"):
            if name in {f.name for f in self.model._meta.fields} and name not in initial:
                organisations = list(casework_organisations(request).values_list("pk", flat=True))
                if len(organisations) == 1:
                    initial[name] = organisations[0]
        return initial


class PersonalInlineMixin:
    """An inline of personal records: scoped by ``visible_to``, never deleted here; its
    existing rows are read-only (each change is an action on the row's own page, linked),
    new rows go through the parent admin's ``inline_actions``."""

    can_delete = False
    extra = 0
    show_change_link = True
    inline_select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        queryset = self.model.objects.visible_to(request.user)
        if not self.has_view_or_change_permission(request):
            queryset = queryset.none()
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return queryset.select_related(*self.inline_select_related)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Beneficiary ------------------------------------------------------------------------


class BeneficiaryForm(PersonalForm):
    """The record of a person; on registration, the consents they give today and the
    worker's confirmation that a similar person already known is someone else. The rules
    (codice fiscale, duplicates, residence) are ``person_register``'s and
    ``person_update``'s."""

    consents = forms.MultipleChoiceField(
        label=_("consents given today"),
        choices=ConsentPurpose.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Recorded for the registering organisation."),
    )
    confirm_different = forms.BooleanField(
        label=_("this is someone else"),
        required=False,
        help_text=_(
            "Tick only after checking that none of the people with a similar name and "
            "birth year is this person."
        ),
    )


class CaseSummaryInline(PersonalInlineMixin, admin.TabularInline):
    """The person's cases the user may see, read-only, with a link to each."""

    model = Case
    fk_name = "beneficiary"
    fields = ["opened_on", "organisation", "lead_worker", "status", "protected", "closed_on"]
    readonly_fields = fields
    inline_select_related = ("organisation", "lead_worker")
    verbose_name_plural = _("cases you can see")

    def has_add_permission(self, request, obj=None):
        return False


class OwnOrganisationFilter(RelatedOnlyLightFilter):
    """Filter by the registering organisation among the user's own casework organisations
    only: listing (or filtering by) another organisation would tell which visible people it
    registered, which a protected case keeps sealed."""

    def field_choices(self, field, request, model_admin):
        own = scope_of(request.user).casework
        return [
            (pk, name)
            for pk, name in super().field_choices(field, request, model_admin)
            if pk in own
        ]


@admin.register(Beneficiary)
class BeneficiaryAdmin(PersonalDataAdmin):
    form = BeneficiaryForm

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # A filter by registering organisation only among one's own (see
        # OwnOrganisationFilter): the query string must not reach another's either.
        if lookup.startswith("registered_by"):
            own = {str(pk) for pk in scope_of(request.user).casework} if request else set()
            values = value if isinstance(value, list | tuple) else [value]
            if not all(str(item) in own for item in values):
                return False
        return super().lookup_allowed(lookup, value, request)

    list_display = [
        "full_name",
        "birth_date_shown",
        "gender",
        "citizenship",
        "residence_municipality",
        "homeless",
        "registered_by_shown",
        "created_at",
    ]
    list_display_links = ["full_name"]
    list_filter = [
        "gender",
        "homeless",
        "residence_municipality__metropolitan_city",
        ("registered_by", OwnOrganisationFilter),
    ]
    list_select_related = ("residence_municipality", "registered_by")
    # A placeholder that turns the search box and autocomplete on; the search itself is
    # by identifier (get_search_results): names are encrypted and cannot be searched.
    search_fields = ["codice_fiscale_hash"]
    plain_search = False
    codice_fiscale_hash_path = "codice_fiscale_hash"
    # The birth date is encrypted: searched through its keyed hash.
    date_search_path = "birth_date_hash"
    date_search_key = staticmethod(birth_date_lookup_hash)
    search_help_text = _(
        "Birth date (dd/mm/yyyy) or the first 8 characters of the record id; a codice "
        "fiscale in the form below."
    )
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["residence_municipality"]
    readonly_on_change = ("registered_by",)
    formfield_overrides = {EncryptedTextField: {"widget": forms.TextInput}}
    inlines = [CaseSummaryInline]
    refusal_aliases = {"organisation": "registered_by"}
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
                "fields": list(SPECIAL_CATEGORIES),
                "classes": ["collapse"],
                "description": _("Record them only where the case needs them."),
            },
        ),
        (_("Consent"), {"fields": ["consents"]}),
        (_("Registration"), {"fields": ["registered_by", "confirm_different"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # ``sealed``: the person has a protected case the user does not work on.
        return super().get_queryset(request).sealed_for(request.user)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        hidden = ["consents", "confirm_different"]
        if getattr(obj, "sealed", False):
            # Shown only through the protected case itself (and never changed here).
            hidden += [*SPECIAL_CATEGORIES, "registered_by"]
        return without_fields(fieldsets, hidden)

    def audit_rows(self, request, obj):
        """A sealed person's history (see ``sealed_for``): only the rows written by members
        of the user's own organisations, and never the names of the special-category
        flags or the registering organisation (a registration names the flags it set)."""
        rows = super().audit_rows(request, obj)
        if not getattr(obj, "sealed", False):
            return rows
        own = scope_of(request.user).organisations
        members = Membership.objects.filter(organisation__in=own).values("user_id")
        hidden = {*SPECIAL_CATEGORIES, "registered_by"}
        shown = list(rows.filter(actor__in=members))
        for entry in shown:
            entry.fields = [name for name in entry.fields or () if name not in hidden]
        return shown

    def get_urls(self):
        # Find a person by codice fiscale with a POST (beneficiaries/person_find.py).
        view = self.admin_site.admin_view(functools.partial(find_person_view, self))
        find = path("find/", view, name="beneficiaries_beneficiary_find")
        return [find, *super().get_urls()]

    def get_inlines(self, request, obj):
        # A person being registered has no cases yet.
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = person_register(
                acting_user=request.user,
                organisation=data["registered_by"],
                **{name: data[name] for name in PERSON_FIELDS if name in data},
                consents=data.get("consents") or (),
                confirmed_different=data.get("confirm_different", False),
            )
        elif changes := changes_of(form, PERSON_FIELDS):
            saved = person_update(
                acting_user=request.user, person=obj, version=form.seen_version, **changes
            )
        else:
            return
        adopt(obj, saved)

    @admin.display(description=_("name"))
    def full_name(self, obj) -> str:
        # Decrypted in Python from the row already loaded: no query per row.
        return f"{obj.family_name} {obj.given_name}"

    # Not sortable: the column holds a randomised token, its order means nothing.
    @admin.display(description=_("birth date"))
    def birth_date_shown(self, obj):
        return obj.birth_date

    # Not sortable: sorting by the organisation would give away a sealed person's one.
    @admin.display(description=_("registered by"))
    def registered_by_shown(self, obj) -> str:
        return "-" if getattr(obj, "sealed", False) else str(obj.registered_by)


# --- Case and its inlines ---------------------------------------------------------------


def _add_need(acting_user, case, data) -> Need:
    return need_add(
        acting_user=acting_user,
        case=case,
        domain=data["domain"],
        severity=data["severity"],
        identified_on=data["identified_on"],
        description=data.get("description") or "",
    )


def _add_referral(acting_user, case, data) -> Referral:
    return referral_create(
        acting_user=acting_user,
        case=case,
        service=data["service"],
        offering=data.get("offering"),
        referred_on=data.get("referred_on"),
        reason=data.get("reason") or "",
    )


def _add_note(acting_user, case, data) -> Note:
    return note_add(acting_user=acting_user, case=case, body=data["body"])


class NeedInline(PersonalInlineMixin, admin.TabularInline):
    model = Need
    fields = ["domain", "severity", "description", "identified_on", "resolved_on"]
    # Resolved on the need's own page (need_resolve).
    readonly_fields = ["resolved_on"]
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
    # Moved on the referral's own page (referral_move); the referrer is the acting user.
    readonly_fields = ["status", "responded_on", "started_on", "ended_on", "referred_by"]
    autocomplete_fields = ["service", "offering"]
    inline_select_related = ("referred_by",)
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}


class NoteInline(PersonalInlineMixin, admin.StackedInline):
    model = Note
    fields = ["body", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    inline_select_related = ("author",)


class CaseForm(PersonalForm):
    """A case; on its page, closing it (``case_close``) with an outcome and a date."""

    close_outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=[("", "---------"), *CaseOutcome.choices],
        required=False,
        help_text=_("Choose an outcome to close the case when you save."),
    )
    close_on = forms.DateField(
        label=_("closed on"), required=False, widget=AdminDateWidget, help_text=_("Today if empty.")
    )
    close_anyway = forms.BooleanField(
        label=_("close anyway"),
        required=False,
        help_text=_(
            "Close it even with open referrals or an ongoing placement: they stay as they are."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            return
        # Who may lead or join this case: its organisation's workers, and whoever is on
        # it today (even if they have since moved on).
        workers = case_workers(self.instance.organisation_id, self.instance)
        for name in ("lead_worker", "team"):
            if name in self.fields:
                self.fields[name].queryset = workers


CLOSING_FIELDS = ["close_outcome", "close_on", "close_anyway"]


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
        "The first 8 characters of the case id, the organisation or the lead worker."
    )
    date_hierarchy = "opened_on"
    autocomplete_fields = ["beneficiary", "lead_worker", "team"]
    # Status, closing date and outcome change by closing the case (case_close).
    readonly_on_change = (
        "beneficiary",
        "organisation",
        "opened_on",
        "status",
        "closed_on",
        "outcome",
    )
    inlines = [NeedInline, ReferralInline, NoteInline]
    inline_actions = {Need: _add_need, Referral: _add_referral, Note: _add_note}
    scoped_choices = {**PersonalDataAdmin.scoped_choices, "lead_worker": colleagues}
    refusal_aliases = {"outcome": "close_outcome", "closed_on": "close_on"}
    fieldsets = [
        (None, {"fields": ["beneficiary", "organisation", "lead_worker", "team", "protected"]}),
        (_("Course"), {"fields": ["opened_on", "follow_up_on", "status", "closed_on", "outcome"]}),
        (_("Close the case"), {"fields": CLOSING_FIELDS}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # A new case is open: nothing about closing it yet.
            return without_fields(fieldsets, ["status", "closed_on", "outcome", *CLOSING_FIELDS])
        if obj.status == CaseStatus.CLOSED:
            return without_fields(fieldsets, CLOSING_FIELDS)
        return fieldsets

    def audit_q(self, obj) -> Q:
        """A case's history also holds the actions on its needs, goals, notes, referrals
        and placements."""
        return super().audit_q(obj) | Q(case_id=obj.pk)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "team" and "queryset" not in kwargs:
            kwargs["queryset"] = colleagues(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Lifting a case's protection opens it to the whole organisation: only after the
        # user has proved their password (and code) again (security/reauth.py).
        if request.method == "POST" and object_id and not request.POST.get("protected"):
            case = self.get_object(request, unquote(object_id))
            if (
                case is not None
                and case.protected
                and self.has_change_permission(request, case)
                and "protected" not in self.get_readonly_fields(request, case)
                and (refusal := require_recent_auth(request)) is not None
            ):
                return refusal
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("opened_on", datetime.date.today())
        if colleagues(request).filter(pk=request.user.pk).exists():
            initial.setdefault("lead_worker", request.user.pk)
        return initial

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = case_open(
                acting_user=request.user,
                beneficiary=data["beneficiary"],
                organisation=data["organisation"],
                lead_worker=data.get("lead_worker"),
                opened_on=data["opened_on"],
                protected=data.get("protected", False),
                follow_up_on=data.get("follow_up_on"),
                team=data.get("team") or (),
            )
            adopt(obj, saved)
            return
        version = form.seen_version
        if changes := changes_of(form, CASE_EDITABLE):
            if "team" in changes:
                changes["team"] = list(changes["team"])
            saved = case_update(acting_user=request.user, case=obj, version=version, **changes)
            adopt(obj, saved)
            version = saved.version
        if data.get("close_outcome"):
            saved = case_close(
                acting_user=request.user,
                case=obj,
                version=version,
                outcome=data["close_outcome"],
                closed_on=data.get("close_on") or timezone.localdate(),
                close_anyway=data.get("close_anyway", False),
            )
            adopt(obj, saved)

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
    # A need is described when it is added (need_add); afterwards it is only resolved.
    readonly_on_change = ("case", "domain", "severity", "description", "identified_on")
    fieldsets = [
        (None, {"fields": ["case", "domain", "severity", "description"]}),
        (_("Dates"), {"fields": ["identified_on", "resolved_on"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return without_fields(fieldsets, ["resolved_on"]) if obj is None else fieldsets

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("identified_on", datetime.date.today())
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            adopt(obj, _add_need(request.user, form.cleaned_data["case"], form.cleaned_data))
        elif "resolved_on" in form.changed_data:
            resolved = need_resolve(
                acting_user=request.user,
                need=obj,
                resolved_on=form.cleaned_data["resolved_on"],
            )
            adopt(obj, resolved)


class ReferralForm(PersonalForm):
    """A referral; on its page, moving it (``referral_move``): who may make which move is
    the action's to say."""

    move_to = forms.ChoiceField(
        label=_("new status"),
        choices=[
            ("", "---------"),
            *[(v, label) for v, label in ReferralStatus.choices if v != ReferralStatus.REFERRED],
        ],
        required=False,
        help_text=_("Choose a status to move the referral to it when you save."),
    )
    move_on = forms.DateField(
        label=_("on"), required=False, widget=AdminDateWidget, help_text=_("Today if empty.")
    )
    move_reason = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to decline or close it."),
    )


MOVE_FIELDS = ["move_to", "move_on", "move_reason"]
REFERRAL_RECORD = [
    "case",
    "service",
    "offering",
    "status",
    "referred_by",
    "referred_on",
    "responded_on",
    "started_on",
    "ended_on",
    "reason",
]


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
    # Once made, a referral changes only by moving it (referral_move): its status and
    # dates are the action's to write, with the side (provider or case team) it checks.
    readonly_on_change = tuple(REFERRAL_RECORD)
    actor_field = "referred_by"
    refusal_aliases = {"status": "move_to", "on": "move_on", "reason": "move_reason"}
    fieldsets = [
        (None, {"fields": ["case", "service", "offering", "status", "referred_by"]}),
        (
            _("Dates"),
            {"fields": ["referred_on", "responded_on", "started_on", "ended_on", "reason"]},
        ),
        (_("Move the referral"), {"fields": MOVE_FIELDS}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # Whether the user works on the referral's case: only then is its person named.
        worked_on = Case.objects.worked_on_by(request.user).filter(pk=OuterRef("case_id"))
        return super().get_queryset(request).annotate(case_worked_on=Exists(worked_on))

    def codice_fiscale_searchable(self, request, queryset):
        # A provider finds by codice fiscale none of the referrals made to it: a match
        # would name the person of an anonymous or sealed referral.
        return queryset.filter(case__in=Case.objects.worked_on_by(request.user))

    def shows_in_full(self, request, obj) -> bool:
        """Whether the user sees the referral in full (``selectors.referral_view_for``)."""
        cache = request.__dict__.setdefault("_atlante_referral_full", {})
        if obj.pk not in cache:
            cache[obj.pk] = referral_view_for(request.user, obj).full
        return cache[obj.pk]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # A new referral is "referred": the status and its dates come with the moves.
            hidden = ["status", "responded_on", "started_on", "ended_on", *MOVE_FIELDS]
            return without_fields(fieldsets, hidden)
        if not self.shows_in_full(request, obj):
            # Why the person was referred is theirs: not for an anonymous or sealed view.
            return without_fields(fieldsets, ["reason"])
        return fieldsets

    @admin.display(description=_("beneficiary"))
    def beneficiary_name(self, obj) -> str:
        # The person's id only to their case team: it would link a provider's anonymous
        # or sealed referrals to each other.
        return str(obj.case.beneficiary) if getattr(obj, "case_worked_on", False) else "-"

    @admin.display(description=_("site"), ordering="offering__site__name")
    def site(self, obj):
        return obj.offering.site if obj.offering_id else "-"

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("referred_on", datetime.date.today())
        return initial

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            adopt(obj, _add_referral(request.user, data["case"], data))
        elif data.get("move_to"):
            moved = referral_move(
                acting_user=request.user,
                referral=obj,
                status=data["move_to"],
                on=data.get("move_on"),
                reason=(data.get("move_reason") or "").strip() or None,
                version=form.seen_version,
            )
            adopt(obj, moved)


@admin.register(Consent)
class ConsentAdmin(PersonalDataAdmin):
    list_display = [
        "beneficiary_name",
        "purpose",
        "given_on",
        "expires_on",
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
    # Given once (consent_give); afterwards it is only withdrawn (consent_withdraw).
    readonly_on_change = ("beneficiary", "purpose", "organisation", "given_on", "expires_on")
    actor_field = "recorded_by"
    fieldsets = [
        (None, {"fields": ["beneficiary", "purpose", "organisation", "recorded_by"]}),
        (_("Dates"), {"fields": ["given_on", "expires_on", "withdrawn_on"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return without_fields(fieldsets, ["withdrawn_on"]) if obj is None else fieldsets

    @admin.display(description=_("beneficiary"))
    def beneficiary_name(self, obj) -> str:
        return str(obj.beneficiary)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("given_on", datetime.date.today())
        return initial

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            given = consent_give(
                acting_user=request.user,
                beneficiary=data["beneficiary"],
                purpose=data["purpose"],
                organisation=data["organisation"],
                given_on=data["given_on"],
                expires_on=data.get("expires_on"),
            )
            adopt(obj, given)
        elif "withdrawn_on" in form.changed_data:
            withdrawn = consent_withdraw(
                acting_user=request.user, consent=obj, on=data["withdrawn_on"]
            )
            adopt(obj, withdrawn)


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

    def has_change_permission(self, request, obj=None):
        # A note is never edited: it is added (note_add), then read.
        return obj is None and super().has_change_permission(request)

    def save_model(self, request, obj, form, change):
        # Never a change: has_change_permission refuses the POST of a note's page first.
        adopt(obj, _add_note(request.user, form.cleaned_data["case"], form.cleaned_data))


# --- Access log ---------------------------------------------------------------------------

admin.site.unregister(AccessLogEntry)


@admin.register(AccessLogEntry)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who opened which personal record, when and from where (core.access_log); read
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


# The data-protection officer's access report, on the core.AccessLogEntry proxy.
from beneficiaries import access_report_admin  # noqa: E402, F401
