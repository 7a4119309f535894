"""Recompute coverage when its inputs change: once, after the burst of edits.

A saved or deleted capacity, site, service, offering, standard, population figure or
municipality schedules a run of every metropolitan city it touches, on commit (a rolled
back edit schedules nothing). Scheduling is coalesced per scope with a cache key set
only if absent: the first edit of a burst enqueues the task with a short countdown, the
following ones find the key and add nothing. The task clears the key as it starts, so
an edit made while it computes schedules the next run, which then reflects it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from gaps.models import PopulationFigure, RunTrigger, Standard
from registry.models import MetropolitanCity, Municipality
from services.models import Capacity, Service, ServiceAtSite, Site

PENDING_KEY = "coverage:pending:{scope}"


def pending_key(scope: str) -> str:
    return PENDING_KEY.format(scope=scope)


def schedule(scope: str) -> None:
    """Enqueue one run of ``scope`` unless one is already waiting to start."""
    from gaps.tasks import compute_coverage  # the task module imports this one

    delay = getattr(settings, "COVERAGE_COALESCE_SECONDS", 30)
    if cache.add(pending_key(scope), "1", timeout=delay + 600):
        compute_coverage.apply_async(
            kwargs={"metropolitan_city_slug": scope, "trigger": RunTrigger.CHANGE},
            countdown=delay,
        )


def scopes_of(instance) -> set[str]:
    """The metropolitan cities (slugs) a changed record weighs on."""

    if isinstance(instance, Standard):
        return set(MetropolitanCity.objects.values_list("slug", flat=True))
    if isinstance(instance, Municipality):
        return {instance.metropolitan_city.slug}
    if isinstance(instance, PopulationFigure):
        return {instance.municipality.metropolitan_city.slug}
    sites = None
    if isinstance(instance, Site):
        sites = Site.objects.filter(pk=instance.pk)
    elif isinstance(instance, ServiceAtSite):
        sites = Site.objects.filter(pk=instance.site_id)
    elif isinstance(instance, Capacity):
        sites = Site.objects.filter(offerings__pk=instance.offering_id)
    elif isinstance(instance, Service):
        sites = Site.objects.filter(offerings__service_id=instance.pk)
    if sites is None:
        return set()
    return set(sites.values_list("municipality__metropolitan_city__slug", flat=True))


def on_change(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # fixtures being loaded
    if not settings.COVERAGE_RECOMPUTE_ON_CHANGE:
        return
    try:
        scopes = scopes_of(instance)
    except ObjectDoesNotExist:
        return  # deleted with its parent: the parent's own signal covers it
    for scope in scopes:
        transaction.on_commit(lambda scope=scope: schedule(scope))


def connect() -> None:

    for model in (Capacity, Site, Service, ServiceAtSite, Standard, PopulationFigure, Municipality):
        post_save.connect(on_change, sender=model, dispatch_uid=f"coverage-{model.__name__}")
        post_delete.connect(on_change, sender=model, dispatch_uid=f"coverage-del-{model.__name__}")
    m2m_changed.connect(
        on_change, sender=Service.categories.through, dispatch_uid="coverage-categories"
    )
