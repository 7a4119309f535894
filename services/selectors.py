"""Reads of the directory that other apps build on: what is listed, and category branches."""

from __future__ import annotations

from django.db.models import Q

from services.models import Service, ServiceStatus, Site

LISTED_SERVICE_STATUSES = (ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED)


def listed_services():
    return Service.objects.filter(status__in=LISTED_SERVICE_STATUSES, organisation__active=True)


def listed_sites():
    return Site.objects.filter(active=True, organisation__active=True)


def category_branch_q(code: str, prefix: str = "") -> Q:
    """The category with this code and every category under it (``housing`` takes in
    ``housing.housing-first``, not ``housing-other``)."""
    return Q(**{f"{prefix}code": code}) | Q(**{f"{prefix}code__startswith": f"{code}."})
