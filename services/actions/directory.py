"""The directory's own records: organisations, their services and sites, and which
service is offered at which site.

Organisations are added by administrators; everything else is kept by the staff of the
organisation it belongs to, or an administrator. Records others refer to are never
deleted here: an organisation or a site is deactivated, a service marked inactive (the
same ``*_update`` actions). A confidential site's address, flag and organisation are
changed by its own staff only.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from core.actions import apply_changes, full_clean
from core.errors import CONFLICT, FORBIDDEN, ActionError
from core.locking import check_version, locked
from services.actions.records import set_many
from services.actions.scope import (
    is_directory_administrator,
    refuse_outsiders_on_confidential,
    require_editor,
    require_new_owner,
)
from services.confidentiality import ADDRESS_FIELDS, confidential_site_q
from services.models import Organisation, Service, ServiceAtSite, Site

ORGANISATION_FIELDS = (
    "name",
    "legal_form",
    "tax_code",
    "runts_number",
    "municipality",
    "email",
    "website",
    "phone",
    "description",
    "active",
)
SERVICE_FIELDS = (
    "organisation",
    "name",
    "alternate_name",
    "description",
    "status",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "free_of_charge",
    "fees_description",
    "funding_programme",
    "funding_description",
    "application_process",
    "email",
    "url",
    "confidential",
    "public_contact",
)
SERVICE_MANY = ("categories", "languages")
SITE_FIELDS = (
    "organisation",
    "name",
    "municipality",
    *ADDRESS_FIELDS,
    "barrier_free",
    "confidential",
    "public_contact",
    "active",
)
OFFERING_FIELDS = ("service", "site", "description")

# Where a check constraint's message stands: by the field the person has to fill in.
SERVICE_CONSTRAINT_FIELDS = {
    "service_age_range_ordered": "maximum_age",
    "service_fees_described_when_not_free": "fees_description",
    "service_confidential_has_public_contact": "public_contact",
}
SITE_CONSTRAINT_FIELDS = {"site_confidential_has_public_contact": "public_contact"}
OFFERING_CONSTRAINT_FIELDS = {"service_at_site_unique": "site"}


def _given(values: dict) -> list[str]:
    return [name for name, value in values.items() if value not in (None, "", False, [], ())]


# --- Organisations ----------------------------------------------------------------------


@transaction.atomic
def organisation_create(*, acting_user, **values) -> Organisation:
    """Add a provider to the directory (administrators only)."""
    if not is_directory_administrator(acting_user):
        raise ActionError.on(
            None, _("Only administrators add organisations to the directory."), kind=FORBIDDEN
        )
    organisation = Organisation()
    apply_changes(organisation, values, ORGANISATION_FIELDS)
    full_clean(organisation)
    organisation.save()
    audit.record(
        acting_user=acting_user,
        action="organisation_create",
        target=organisation,
        fields=_given(values),
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, acting_user, organisation: Organisation, version: int | None, **changes
) -> Organisation:
    """Change an organisation's record (``active=False`` deactivates it)."""
    organisation = locked(Organisation.objects.all(), organisation.pk)
    require_editor(acting_user, organisation.pk, field="organisation")
    check_version(organisation, version)
    changed = apply_changes(organisation, changes, ORGANISATION_FIELDS)
    full_clean(organisation)
    organisation.save()
    audit.record(
        acting_user=acting_user,
        action="organisation_update",
        target=organisation,
        fields=changed,
        details={"active": organisation.active} if "active" in changed else None,
    )
    return organisation


# --- Services ---------------------------------------------------------------------------


def _split_many(values: dict) -> tuple[dict, dict]:
    many = {name: values.pop(name) for name in SERVICE_MANY if name in values}
    return values, many


@transaction.atomic
def service_create(*, acting_user, organisation: Organisation, **values) -> Service:
    """Add a service to an organisation whose records the user keeps; ``categories`` and
    ``languages`` are lists of records."""
    require_new_owner(acting_user, getattr(organisation, "pk", None), field="organisation")
    values, many = _split_many(dict(values))
    service = Service(organisation=organisation)
    apply_changes(service, values, SERVICE_FIELDS)
    full_clean(service, fields_of=SERVICE_CONSTRAINT_FIELDS)
    service.save()
    set_many(service, many)
    fields = ["organisation", *_given(values), *_given(many)]
    audit.record(
        acting_user=acting_user,
        action="service_create",
        target=service,
        fields=fields,
        details={"status": service.status},
    )
    return service


@transaction.atomic
def service_update(*, acting_user, service: Service, version: int | None, **changes) -> Service:
    """Change a service's own description against the version read (``status`` marks it
    inactive or closed; ``categories`` and ``languages`` are lists of records)."""
    service = locked(Service.objects.all(), service.pk)
    require_editor(acting_user, service.organisation_id, field="organisation")
    check_version(service, version)
    before = service.status
    changes, many = _split_many(dict(changes))
    changed = apply_changes(service, changes, SERVICE_FIELDS)
    if "organisation" in changed:
        require_new_owner(acting_user, service.organisation_id, field="organisation")
    full_clean(service, fields_of=SERVICE_CONSTRAINT_FIELDS)
    service.save()
    changed += set_many(service, many)
    details = {"from": before, "to": service.status} if "status" in changed else {}
    audit.record(
        acting_user=acting_user,
        action="service_update",
        target=service,
        fields=changed,
        details=details,
    )
    return service


# --- Sites ------------------------------------------------------------------------------


@transaction.atomic
def site_create(*, acting_user, organisation: Organisation, **values) -> Site:
    """Add a site to an organisation whose records the user keeps."""
    require_new_owner(acting_user, getattr(organisation, "pk", None), field="organisation")
    site = Site(organisation=organisation)
    apply_changes(site, values, SITE_FIELDS)
    full_clean(site, fields_of=SITE_CONSTRAINT_FIELDS)
    site.save()
    audit.record(
        acting_user=acting_user,
        action="site_create",
        target=site,
        fields=["organisation", *_given(values)],
    )
    return site


@transaction.atomic
def site_update(*, acting_user, site: Site, version: int | None, **changes) -> Site:
    """Change a site against the version read (``active=False`` deactivates it)."""
    site = locked(Site.objects.all(), site.pk)
    require_editor(acting_user, site.organisation_id, field="organisation")
    check_version(site, version)
    refuse_outsiders_on_confidential(
        acting_user,
        organisation_id=site.organisation_id,
        confidential=Site.objects.filter(confidential_site_q(), pk=site.pk).exists(),
        record=site,
        changes=changes,
        guarded=(*ADDRESS_FIELDS, "confidential", "organisation"),
    )
    changed = apply_changes(site, changes, SITE_FIELDS)
    if "organisation" in changed:
        require_new_owner(acting_user, site.organisation_id, field="organisation")
    full_clean(site, fields_of=SITE_CONSTRAINT_FIELDS)
    site.save()
    audit.record(
        acting_user=acting_user,
        action="site_update",
        target=site,
        fields=changed,
        details={"active": site.active} if "active" in changed else None,
    )
    return site


# --- Services at sites ------------------------------------------------------------------


@transaction.atomic
def offering_create(
    *, acting_user, service: Service, site: Site, description: str = ""
) -> ServiceAtSite:
    """Offer a service of an organisation the user keeps at a site."""
    require_new_owner(acting_user, getattr(service, "organisation_id", None), field="service")
    offering = ServiceAtSite(service=service, site=site, description=description)
    full_clean(offering, fields_of=OFFERING_CONSTRAINT_FIELDS)
    offering.save()
    audit.record(
        acting_user=acting_user,
        action="offering_create",
        target=offering,
        fields=["service", "site", *(["description"] if description else [])],
    )
    return offering


@transaction.atomic
def offering_update(
    *, acting_user, offering: ServiceAtSite, version: int | None, **changes
) -> ServiceAtSite:
    """Change where a service is offered, or what is said about it there."""
    offering = locked(ServiceAtSite.objects.select_related("service"), offering.pk)
    require_editor(acting_user, offering.service.organisation_id, field="service")
    check_version(offering, version)
    changed = apply_changes(offering, changes, OFFERING_FIELDS)
    if "service" in changed:
        require_new_owner(acting_user, offering.service.organisation_id, field="service")
    full_clean(offering, fields_of=OFFERING_CONSTRAINT_FIELDS)
    offering.save()
    audit.record(acting_user=acting_user, action="offering_update", target=offering, fields=changed)
    return offering


@transaction.atomic
def offering_remove(*, acting_user, offering: ServiceAtSite, version: int | None = None) -> None:
    """Stop offering a service at a site: its capacity and hours go with it. An offering
    that referrals name stays (deactivate the site or the service instead)."""
    offering = locked(ServiceAtSite.objects.select_related("service"), offering.pk)
    require_editor(acting_user, offering.service.organisation_id, field="service")
    check_version(offering, version)
    if offering.referrals.exists():
        raise ActionError.on(
            "site",
            _(
                "Referrals name this service at this site: it stays (mark the service "
                "inactive or deactivate the site instead)."
            ),
            kind=CONFLICT,
        )
    audit.record(
        acting_user=acting_user,
        action="offering_remove",
        target=offering,
        fields=["service", "site"],
        details={"service": offering.service_id, "site": offering.site_id},
    )
    offering.delete()
