"""Organisations, memberships (through the membership actions) and users (no flags, groups or
passwords set by hand; the colleague look-ups of the case forms)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import PasswordResetForm, UsernameField
from django.core.exceptions import PermissionDenied
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ActionError
from registry.admin import (
    AtlanteModelAdmin,
    autocomplete_source,
    count_of,
)
from services.actions.directory import (
    ORGANISATION_FIELDS,
    organisation_create,
    organisation_update,
)
from services.actions.memberships import (
    APPROVER,
    PERSONAL_DATA_ROLES,
    membership_approve,
    membership_change_role,
    membership_deactivate,
    membership_grant,
    membership_refuse,
)
from services.actions.scope import is_directory_administrator
from services.admin.access import DirectoryOwnedMixin, NoDeleteMixin
from services.admin.writes import ActionAdminMixin, set_field, values_of
from services.memberships import counting_q
from services.models import (
    Membership,
    MembershipStatus,
    Organisation,
    Role,
    Service,
    Site,
)
from services.roles import sync_user_groups

User = get_user_model()

# --- Organisations and memberships ------------------------------------------------------


@admin.register(Organisation)
class OrganisationAdmin(NoDeleteMixin, DirectoryOwnedMixin, ActionAdminMixin, AtlanteModelAdmin):
    organisation_path = "pk"
    list_display = [
        "name",
        "legal_form",
        "tax_code",
        "municipality",
        "active",
        "service_count",
        "site_count",
    ]
    list_filter = ["active", "legal_form", "municipality__metropolitan_city"]
    list_select_related = ("municipality",)
    search_fields = ["name", "=tax_code", "=runts_number"]
    search_help_text = _("Name, tax code (11 digits) or RUNTS number.")
    autocomplete_fields = ["municipality"]
    actions = ["deactivate", "activate"]
    fieldsets = [
        (None, {"fields": ["name", "legal_form", "tax_code", "runts_number", "municipality"]}),
        (_("Contacts"), {"fields": ["email", "website", "phone", "description"]}),
        (_("State"), {"fields": ["active"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "version"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                service_total=count_of(Service, "organisation"),
                site_total=count_of(Site, "organisation"),
            )
        )

    @admin.display(description=_("services"), ordering="service_total")
    def service_count(self, obj) -> int:
        return obj.service_total

    @admin.display(description=_("sites"), ordering="site_total")
    def site_count(self, obj) -> int:
        return obj.site_total

    def create_record(self, request, form):
        return organisation_create(acting_user=request.user, **values_of(form, ORGANISATION_FIELDS))

    def update_record(self, request, obj, changes, version):
        return organisation_update(
            acting_user=request.user, organisation=obj, version=version, **changes
        )

    @admin.action(description=_("Deactivate the selected organisations"), permissions=["change"])
    def deactivate(self, request, queryset):
        changed = set_field(self, request, queryset, "active", False)
        self.message_user(
            request,
            ngettext(
                "%(count)d organisation deactivated.",
                "%(count)d organisations deactivated.",
                changed,
            )
            % {"count": changed},
        )

    @admin.action(description=_("Reactivate the selected organisations"), permissions=["change"])
    def activate(self, request, queryset):
        changed = set_field(self, request, queryset, "active", True)
        self.message_user(
            request,
            ngettext(
                "%(count)d organisation reactivated.",
                "%(count)d organisations reactivated.",
                changed,
            )
            % {"count": changed},
        )


# --- Memberships: every write a membership action -----------------------------------

# The list actions that change who may do what: each needs a recent re-authentication.
MEMBERSHIP_WRITES = ("deactivate", "approve", "refuse", "sync_groups")


def recent_auth_or_redirect(request):
    """The re-authentication page to go through first, or None. The check is the security
    app's (``settings.REAUTH_CHECK``): it stands above services, which never imports it."""
    return import_string(settings.REAUTH_CHECK)(request)


@admin.register(Membership)
class MembershipAdmin(ActionAdminMixin, AtlanteModelAdmin):
    """Memberships are written by ``services.actions.memberships`` only: the add page asks
    for a role (given at once, or a request awaiting a second person), the change page
    changes the role, the list deactivates, approves and refuses. Administrators see every
    membership; a coordinator (data-protection officer) those of their organisations, with
    the requests awaiting them. Every write needs a recent re-authentication."""

    list_display = [
        "user",
        "user_email",
        "organisation",
        "role",
        "status",
        "active",
        "requested_by",
        "decided_by",
        "created_at",
    ]
    list_filter = ["status", "role", "active", "organisation__legal_form"]
    list_select_related = ("user", "organisation", "requested_by", "decided_by")
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "organisation__name",
        "=organisation__tax_code",
    ]
    autocomplete_fields = ["user", "organisation"]
    date_hierarchy = "created_at"
    actions = ["approve", "refuse", "deactivate", "sync_groups"]
    readonly_after_add = [
        "user",
        "organisation",
        "status",
        "active",
        "requested_by",
        "decided_by",
        "decided_at",
    ]
    fieldsets = [
        (None, {"fields": ["user", "organisation", "role"]}),
        (
            _("Approval"),
            {"fields": ["status", "active", "requested_by", "decided_by", "decided_at"]},
        ),
        (_("Record"), {"fields": ["created_at"], "classes": ["collapse"]}),
    ]
    refusal_aliases = {"status": None, "active": None}

    @admin.display(description=_("email"), ordering="user__email")
    def user_email(self, obj) -> str:
        # The approver checks whose account it is before a role that reads personal data.
        return obj.user.email

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_superuser or is_directory_administrator(user):
            return queryset
        # Approvers: the memberships of the organisations where they approve requests.
        organisations = Membership.objects.filter(
            counting_q(), user_id=user.pk, role__in=set(APPROVER.values())
        ).values("organisation_id")
        return queryset.filter(organisation__in=organisations)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["user", "organisation", "role"]})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += [name for name in self.readonly_after_add if name not in readonly]
        return readonly

    def editable(self, request, queryset):
        return queryset

    # Re-authentication before any change of who may do what.
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and (refusal := recent_auth_or_redirect(request)):
            return refusal
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        if (
            request.method == "POST"
            and request.POST.get("action") in MEMBERSHIP_WRITES
            and (refusal := recent_auth_or_redirect(request))
        ):
            return refusal
        return super().changelist_view(request, extra_context)

    def create_record(self, request, form):
        data = form.cleaned_data
        membership = membership_grant(
            acting_user=request.user,
            user=data["user"],
            organisation=data["organisation"],
            role=data["role"],
        )
        self._announce_pending(request, membership)
        return membership

    def update_record(self, request, obj, changes, version):
        saved = obj
        if "role" in changes:
            saved = membership_change_role(
                acting_user=request.user, membership=saved, role=changes["role"]
            )
            self._announce_pending(request, saved)
        if changes.get("active") is False:
            saved = membership_deactivate(acting_user=request.user, membership=saved)
        elif changes.get("active") is True:
            saved = membership_grant(
                acting_user=request.user,
                user=saved.user,
                organisation=saved.organisation,
                role=saved.role,
            )
        return saved

    def _announce_pending(self, request, membership) -> None:
        if membership.status == MembershipStatus.PENDING:
            self.message_user(
                request,
                _(
                    "The role “%(role)s” of %(user)s in %(organisation)s awaits the approval "
                    "of a %(approver)s of that organisation; until then it grants nothing."
                )
                % {
                    "role": membership.get_role_display(),
                    "user": membership.user,
                    "organisation": membership.organisation,
                    "approver": Role(APPROVER[membership.role]).label,
                },
                messages.WARNING,
            )

    def _each(self, request, queryset, action) -> int:
        done = 0
        for membership in queryset.select_related("user", "organisation"):
            try:
                action(acting_user=request.user, membership=membership)
            except ActionError as error:
                self.message_user(
                    request, f"{membership}: {' '.join(error.messages)}", messages.ERROR
                )
                continue
            done += 1
        return done

    @admin.action(description=_("Approve the selected requests"), permissions=["change"])
    def approve(self, request, queryset):
        done = self._each(request, queryset, membership_approve)
        self.message_user(
            request,
            ngettext("%(count)d request approved.", "%(count)d requests approved.", done)
            % {"count": done},
        )

    @admin.action(description=_("Refuse the selected requests"), permissions=["change"])
    def refuse(self, request, queryset):
        done = self._each(request, queryset, membership_refuse)
        self.message_user(
            request,
            ngettext("%(count)d request refused.", "%(count)d requests refused.", done)
            % {"count": done},
        )

    @admin.action(description=_("Deactivate the selected memberships"), permissions=["change"])
    def deactivate(self, request, queryset):
        changed = set_field(self, request, queryset, "active", False)
        self.message_user(
            request,
            ngettext(
                "%(count)d membership deactivated.", "%(count)d memberships deactivated.", changed
            )
            % {"count": changed},
        )

    @admin.action(
        description=_("Recompute the permissions of the selected members from their roles"),
        permissions=["change"],
    )
    def sync_groups(self, request, queryset):
        # Derived data only (groups and staff flag follow the memberships): no audit row.
        users = get_user_model().objects.filter(pk__in=queryset.values("user_id")).order_by("pk")
        count = 0
        for user in users:
            sync_user_groups(user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Permissions of %(count)d member recomputed.",
                "Permissions of %(count)d members recomputed.",
                count,
            )
            % {"count": count},
        )


# --- Users: no flags, groups or passwords set by hand; colleague look-ups ---------------

# Autocomplete look-ups of users from another app's form field, by
# (app_label, model_name, field_name): the users offered, given the request. Filled by
# the apps that need them (e.g. the case team in beneficiaries/admin.py).
USER_LOOKUPS: dict[tuple[str, str, str], Callable] = {}


class MembershipInline(admin.TabularInline):
    """The user's memberships, read-only: they are given, changed and approved on the
    Memberships pages, through the membership actions."""

    model = Membership
    fk_name = "user"
    fields = ["organisation", "role", "status", "active", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation")


class AccountCreationForm(forms.ModelForm):
    """A new account: who it is, never a password (the person chooses it from the email
    sent to them; nobody else ever knows it)."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]
        field_classes = {"username": UsernameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = _(
            "The person receives here the link to choose their password."
        )

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class AccountChangeForm(forms.ModelForm):
    """An account's name, email and whether it may sign in: roles come from memberships,
    the password from its owner only."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "is_active"]
        field_classes = {"username": UsernameField}


class AccountPasswordResetForm(PasswordResetForm):
    """Django's reset email, sent to one chosen account (also one without a password yet,
    which Django's own form skips)."""

    def __init__(self, account, *args, **kwargs):
        self.account = account
        super().__init__({"email": account.email}, *args, **kwargs)

    def get_users(self, email):
        return [self.account] if self.account.is_active and self.account.email else []


def send_password_reset(request, account) -> bool:
    """Email the account a link to choose a password (the console backend by default)."""
    form = AccountPasswordResetForm(account)
    if not form.is_valid():
        return False
    form.save(
        request=request,
        use_https=request.is_secure(),
        subject_template_name="security/password_reset_subject.txt",
        email_template_name="security/password_reset_email.txt",
        extra_email_context={"minutes": max(1, settings.PASSWORD_RESET_TIMEOUT // 60)},
    )
    return True


def reads_personal_data(user) -> bool:
    """Whether the account holds, or awaits, a role that reads personal data."""
    return (
        user.is_superuser
        or Membership.objects.filter(user=user, active=True, role__in=PERSONAL_DATA_ROLES)
        .exclude(status=MembershipStatus.REFUSED)
        .exists()
    )


class AtlanteUserAdmin(DjangoUserAdmin):
    """Accounts, without the ways around the memberships: no groups, permissions, staff or
    superuser flags set by hand (they follow the memberships: ``sync_user_groups``), no
    password set for someone else (a reset email instead, ``send_password_reset``), and the
    email of an account that reads personal data kept as it is (a reset link sent to a
    changed address would hand the account over). Changing whether an account may sign in
    needs a recent re-authentication. Also: the scoped look-ups that let a social worker
    pick colleagues without seeing the whole user list."""

    form = AccountChangeForm
    add_form = AccountCreationForm
    add_form_template = None
    inlines = [MembershipInline]
    list_filter = ["is_staff", "is_superuser", "is_active", "memberships__role"]
    fieldsets = (
        (None, {"fields": ("username",)}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "roles")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "first_name", "last_name", "email")}),)
    readonly_fields = ("is_staff", "is_superuser", "roles", "last_login", "date_joined")
    actions = ["send_password_reset"]

    @admin.display(description=_("permission groups (from the memberships)"))
    def roles(self, obj) -> str:
        names = [group.name for group in obj.groups.order_by("name")]
        return ", ".join(names) or "-"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and reads_personal_data(obj):
            readonly.append("email")
        return readonly

    def get_inlines(self, request, obj):
        # A new account has no memberships yet (they are given on the Memberships pages).
        return self.inlines if obj is not None else []

    def user_change_password(self, request, id, form_url=""):
        # Django's "<id>/password/" form sets anyone's password without the old one:
        # closed to everyone (one's own is changed with the old password, or reset).
        raise PermissionDenied

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            account = self.get_object(request, object_id)
            wanted = request.POST.get("is_active") in ("on", "true", "True", "1")
            if (
                account is not None
                and wanted != account.is_active
                and (refusal := recent_auth_or_redirect(request))
            ):
                return refusal
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            sync_user_groups(obj)  # no membership yet: no group, not staff
            if send_password_reset(request, obj):
                self.message_user(
                    request,
                    _(
                        "An email with a link to choose a password was sent to %(email)s. "
                        "Give the account a role on the Memberships page."
                    )
                    % {"email": obj.email},
                )

    @admin.action(
        description=_("Send a password-reset email to the selected users"),
        permissions=["change"],
    )
    def send_password_reset(self, request, queryset):
        sent = sum(1 for account in queryset if send_password_reset(request, account))
        self.message_user(
            request,
            ngettext(
                "%(count)d password-reset email sent.",
                "%(count)d password-reset emails sent.",
                sent,
            )
            % {"count": sent},
        )

    def _lookup(self, request) -> tuple[tuple[str, str, str] | None, Callable | None]:
        source = autocomplete_source(request)
        return source, USER_LOOKUPS.get(source) if source else None

    def has_view_permission(self, request, obj=None):
        source, lookup = self._lookup(request)
        if lookup is not None:
            app_label, model_name, _field = source
            return request.user.has_perm(f"{app_label}.view_{model_name}")
        return super().has_view_permission(request, obj)

    def get_queryset(self, request):
        _source, lookup = self._lookup(request)
        if lookup is not None:
            return lookup(request).order_by("username")
        return super().get_queryset(request)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AtlanteUserAdmin)
