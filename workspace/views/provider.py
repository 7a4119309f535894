"""The provider screen: free places and opening hours of all the organisation's sites on
one page, saved together in one transaction."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from services.models import Capacity, OpeningHours, ServiceAtSite, Site
from workspace.access import workspace_view
from workspace.forms.provider import CapacityFormSet, mark_invalid, opening_hours_formset

CAPACITY_PREFIX = "capacity"
HOURS_PREFIX = "hours"


class StaleCapacity(Exception):
    def __init__(self, rows):
        super().__init__()
        self.rows = rows


def _querysets(provider):
    sites = (
        Site.objects.filter(organisation__in=provider)
        .select_related("organisation", "municipality")
        .defer("municipality__boundary")
        .order_by("organisation__name", "name", "pk")
    )
    offerings = ServiceAtSite.objects.filter(site__organisation__in=provider)
    capacities = Capacity.objects.filter(offering__site__organisation__in=provider).order_by(
        "offering__site__name", "offering__service__name", "unit", "pk"
    )
    hours = OpeningHours.objects.filter(offering__site__organisation__in=provider).order_by(
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


@workspace_view(provider=True)
def places_and_hours(request):
    sites, offerings, capacities, hours = _querysets(request.scope.provider)
    sites = list(sites)
    offerings_list = list(offerings.select_related("service").order_by("service__name", "pk"))
    by_id = {offering.pk: offering for offering in offerings_list}
    site_by_id = {site.pk: site for site in sites}
    conflict = None
    if request.method == "POST":
        try:
            with transaction.atomic():
                capacity_formset, hours_formset = _formsets(
                    request.POST,
                    offerings_list,
                    offerings,
                    capacities.select_for_update(of=("self",)),
                    hours,
                )
                valid = capacity_formset.is_valid()
                valid = hours_formset.is_valid() and valid
                if valid:
                    stale = [
                        form
                        for form in capacity_formset.forms
                        if form.instance.pk
                        and form.cleaned_data.get("version") != form.instance.version
                    ]
                    if stale:
                        raise StaleCapacity(
                            [
                                {
                                    "label": _row_label(form.instance, by_id, site_by_id),
                                    "available": form.instance.available,
                                    "total": form.instance.total,
                                    "your_available": form.cleaned_data.get("available"),
                                    "your_total": form.cleaned_data.get("total"),
                                }
                                for form in stale
                            ]
                        )
                    capacity_formset.save()
                    hours_formset.save()
        except StaleCapacity as error:
            conflict = error.rows
        else:
            if valid:
                messages.success(request, _("Free places and opening hours saved."))
                return redirect("workspace:provider")
    if request.method != "POST" or conflict is not None:
        # A conflict shows the current values (with fresh versions) and the ones sent.
        capacity_formset, hours_formset = _formsets(
            None, offerings_list, offerings, capacities, hours
        )
    context = _page(capacity_formset, hours_formset, sites, offerings_list, by_id, site_by_id)
    context["conflict"] = conflict
    context["many_organisations"] = len(request.scope.provider) > 1
    status = 200
    if conflict is not None:
        status = 409
    elif request.method == "POST":
        status = 400
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
