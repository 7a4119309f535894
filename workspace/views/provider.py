"""The provider screen: free places and opening hours of all the organisation's sites on
one page, saved together in one transaction.

The forms parse the page; each changed row is written by its action
(``services/actions``: capacity against the version shown, opening hours under the
schedule's lock), and a refusal stands by the row and field it is about. One stale row,
or one refused row, and nothing of the page is saved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import STALE, ActionError
from core.forms import add_errors
from services.actions.capacity import capacity_update
from services.actions.hours import hours_add, hours_remove, hours_update
from services.models import Capacity, OpeningHours, ServiceAtSite, Site
from workspace.access import workspace_view
from workspace.forms.provider import CapacityFormSet, mark_invalid, opening_hours_formset

CAPACITY_PREFIX = "capacity"
HOURS_PREFIX = "hours"
HOURS_FIELDS = ("weekday", "opens_at", "closes_at")


def _querysets(provider):
    """The organisation's sites, and the rows of its services there: what the actions let
    its staff write (a service run by the organisation)."""
    sites = (
        Site.objects.filter(organisation__in=provider)
        .select_related("organisation", "municipality")
        .defer("municipality__boundary")
        .order_by("organisation__name", "name", "pk")
    )
    offerings = ServiceAtSite.objects.filter(
        site__organisation__in=provider, service__organisation__in=provider
    )
    capacities = Capacity.objects.filter(offering__in=offerings).order_by(
        "offering__site__name", "offering__service__name", "unit", "pk"
    )
    hours = OpeningHours.objects.filter(offering__in=offerings).order_by(
        "offering_id", "weekday", "opens_at", "pk"
    )
    return sites, offerings, capacities, hours


def _formsets(data, offerings_list, offerings, capacities, hours):
    HoursFormSet = opening_hours_formset(extra=len(offerings_list))
    capacity_formset = CapacityFormSet(data, queryset=capacities, prefix=CAPACITY_PREFIX)
    hours_formset = HoursFormSet(
        data,
        queryset=hours,
        prefix=HOURS_PREFIX,
        initial=[{"offering": offering.pk} for offering in offerings_list],
        form_kwargs={"offerings": offerings},
    )
    return capacity_formset, hours_formset


def _write(form, model, write: Callable[[], object]) -> str | None:
    """Run one row's action; its refusal goes on the row's form. The refusal's kind, or
    None when the row was written."""
    try:
        write()
    except ActionError as error:
        if error.kind != STALE:
            add_errors(form, error, model=model)
        return error.kind
    return None


def _save_capacities(user, capacity_formset) -> tuple[list, bool]:
    """Write the changed capacity rows; the stale forms, and whether any was refused."""
    stale, refused = [], False
    for form in capacity_formset.forms:
        changed = [name for name in form.changed_data if name in ("available", "total")]
        if not form.instance.pk or not changed:
            continue
        write = partial(
            capacity_update,
            acting_user=user,
            capacity=form.instance,
            version=form.cleaned_data["version"],
            **{name: form.cleaned_data[name] for name in changed},
        )
        kind = _write(form, Capacity, write)
        if kind == STALE:
            stale.append(form)
        refused = refused or kind is not None
    return stale, refused


def _hours_write(user, form, deleted: bool):
    """The action that writes one row of opening hours, or None for a row left as it is."""
    data, hours = form.cleaned_data, form.instance
    if deleted:
        return partial(hours_remove, acting_user=user, hours=hours) if hours.pk else None
    if not hours.pk:
        if not form.has_changed():
            return None
        values = {name: data[name] for name in HOURS_FIELDS}
        return partial(hours_add, acting_user=user, offering=data["offering"], **values)
    changed = {name: data[name] for name in form.changed_data if name in HOURS_FIELDS}
    return partial(hours_update, acting_user=user, hours=hours, **changed) if changed else None


def _save_hours(user, hours_formset) -> bool:
    """Write the added, changed and deleted opening hours; whether any was refused."""
    refused = False
    deleted = set(hours_formset.deleted_forms)
    for form in hours_formset.forms:
        write = _hours_write(user, form, form in deleted)
        if write is not None:
            refused = _write(form, OpeningHours, write) is not None or refused
    return refused


def _stale_rows(stale, by_id, site_by_id) -> list[dict]:
    """What changed meanwhile, row by row: the stored values now, and the ones sent."""
    current = Capacity.objects.in_bulk([form.instance.pk for form in stale])
    rows = []
    for form in stale:
        now = current.get(form.instance.pk, form.instance)
        rows.append(
            {
                "label": _row_label(now, by_id, site_by_id),
                "available": now.available,
                "total": now.total,
                "your_available": form.cleaned_data.get("available"),
                "your_total": form.cleaned_data.get("total"),
            }
        )
    return rows


@workspace_view(provider=True)
def places_and_hours(request):
    sites, offerings, capacities, hours = _querysets(request.scope.provider)
    sites = list(sites)
    offerings_list = list(offerings.select_related("service").order_by("service__name", "pk"))
    by_id = {offering.pk: offering for offering in offerings_list}
    site_by_id = {site.pk: site for site in sites}
    conflict, status = None, 200
    capacity_formset, hours_formset = _formsets(
        request.POST if request.method == "POST" else None,
        offerings_list,
        offerings,
        capacities,
        hours,
    )
    if request.method == "POST":
        status = 400
        valid = capacity_formset.is_valid()
        valid = hours_formset.is_valid() and valid
        if valid:
            with transaction.atomic():
                stale, refused = _save_capacities(request.user, capacity_formset)
                refused = _save_hours(request.user, hours_formset) or refused
                if refused:
                    # One row refused: nothing of the page is kept.
                    transaction.set_rollback(True)
            if stale:
                conflict, status = _stale_rows(stale, by_id, site_by_id), 409
                # The current values (with fresh versions) instead of the ones sent.
                capacity_formset, hours_formset = _formsets(
                    None, offerings_list, offerings, capacities, hours
                )
            elif not refused:
                messages.success(request, _("Free places and opening hours saved."))
                return redirect("workspace:provider")
    context = _page(capacity_formset, hours_formset, sites, offerings_list, by_id, site_by_id)
    context["conflict"] = conflict
    context["many_organisations"] = len(request.scope.provider) > 1
    return render(request, "workspace/provider/places_and_hours.html", context, status=status)


def _row_label(instance, by_id, site_by_id, *, weekday: bool = False) -> str:
    offering = by_id.get(instance.offering_id)
    if offering is None:
        return _("A row that is not one of your organisation's")
    site = site_by_id[offering.site_id]
    label = f"{site.name} – {offering.service.name}"
    if isinstance(instance, Capacity):
        label += f" ({instance.get_unit_display()})"
    elif weekday and instance.weekday:
        label += f" ({instance.get_weekday_display()})"
    return label


def _page(capacity_formset, hours_formset, sites, offerings_list, by_id, site_by_id) -> dict:
    capacity_forms = defaultdict(list)
    for form in capacity_formset.forms:
        capacity_forms[form.instance.offering_id].append(form)
    hours_forms, new_hours_forms = defaultdict(list), {}
    for form in hours_formset.forms:
        if form.instance.pk:
            hours_forms[form.instance.offering_id].append(form)
        else:
            new_hours_forms[form.initial.get("offering")] = form
    offerings_by_site = defaultdict(list)
    for offering in offerings_list:
        offering.capacity_forms = capacity_forms.get(offering.pk, [])
        offering.hours_forms = hours_forms.get(offering.pk, [])
        offering.new_hours_form = new_hours_forms.get(offering.pk)
        offerings_by_site[offering.site_id].append(offering)
    for site in sites:
        site.rows = offerings_by_site.get(site.pk, [])
    summary = []
    for formset in (capacity_formset, hours_formset):
        for message in formset.non_form_errors():
            summary.append({"label": _("The page"), "field": "", "message": message, "anchor": ""})
        for form in formset.forms:
            if not form.errors:
                continue
            mark_invalid(form)
            instance = form.instance
            if not instance.pk and form.initial.get("offering"):
                instance = OpeningHours(offering_id=form.initial["offering"])
            label = _row_label(instance, by_id, site_by_id, weekday=True)
            if not instance.pk and isinstance(instance, OpeningHours) and form.initial:
                label += " " + _("(new opening hours)")
            for name, errors in form.errors.items():
                field = form.fields.get(name)
                visible = field is not None and not field.widget.is_hidden
                for message in errors:
                    summary.append(
                        {
                            "label": label,
                            "field": field.label if visible else "",
                            "message": message,
                            "anchor": form[name].auto_id if visible else "",
                        }
                    )
    return {
        "sites": sites,
        "capacity_formset": capacity_formset,
        "hours_formset": hours_formset,
        "summary": summary,
    }
