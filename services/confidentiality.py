"""Which places are confidential, and who may see where they are.

One rule for the back office and the API: the address and coordinates of a confidential
site (flagged so, or hosting a confidential service such as a women's shelter) reach only
active members of the organisation that runs it.
"""

from django.db.models import Exists, OuterRef, Q

from services.memberships import scope_of
from services.models import ServiceAtSite

# Where a place is: what a confidential site or housing unit keeps from outsiders.
ADDRESS_FIELDS = ("address", "postal_code", "latitude", "longitude")


def hosts_confidential_service(prefix: str = "") -> Exists:
    """For a Site queryset (fields under ``prefix``): whether the site offers a
    confidential service."""
    return Exists(
        ServiceAtSite.objects.filter(site=OuterRef(f"{prefix}pk"), service__confidential=True)
    )


def confidential_site_q(prefix: str = "") -> Q:
    """Sites (under ``prefix``) whose address is confidential."""
    return Q(**{f"{prefix}confidential": True}) | Q(hosts_confidential_service(prefix))


def location_visible_q(member_organisations: frozenset[int], prefix: str = "") -> Q:
    """Sites (under ``prefix``) whose address and coordinates the caller may see: not
    confidential, or run by an organisation the caller belongs to."""
    visible = ~confidential_site_q(prefix)
    if member_organisations:
        visible |= Q(**{f"{prefix}organisation_id__in": member_organisations})
    return visible


def member_organisation_ids(request) -> frozenset[int]:
    """Active organisations where the request's user has an active membership (the one
    membership reader, ``services.memberships``: an inactive organisation grants nothing)."""
    return scope_of(request.user).organisations
