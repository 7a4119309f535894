"""Which places are confidential, and who may see where they are.

One rule for the back office and the API: the address and coordinates of a confidential
site (flagged so, or hosting a confidential service such as a women's shelter) reach only
active members of the organisation that runs it.
"""

from django.db.models import Exists, OuterRef, Q

from services.models import Membership, ServiceAtSite


def hosts_confidential_service() -> Exists:
    """For a Site queryset: whether the site offers a confidential service."""
    return Exists(ServiceAtSite.objects.filter(site=OuterRef("pk"), service__confidential=True))


def confidential_site_q() -> Q:
    """Sites whose address is confidential."""
    return Q(confidential=True) | Q(hosts_confidential_service())


def member_organisation_ids(request) -> frozenset[int]:
    """Organisations where the request's user has an active membership (cached on it)."""
    cached = getattr(request, "_atlante_member_organisations", None)
    if cached is None:
        user = request.user
        cached = frozenset()
        if user.is_authenticated and user.is_active:
            cached = frozenset(
                Membership.objects.filter(user=user, active=True).values_list(
                    "organisation_id", flat=True
                )
            )
        request._atlante_member_organisations = cached
    return cached
