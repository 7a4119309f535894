"""The coverage map's data: ``/admin/dashboard/<city>/map.geojson``.

GET parameters: ``standard`` (a standard's code; default the first with results),
``lens`` (normative, accessibility, demand), ``level`` (municipality, zone) and,
optionally, ``zone`` (an Ambito's code) or ``municipality`` (an ISTAT code) to draw that
area only. A city outside the user's dashboards is not found (404); a bad standard, lens
or level is answered 400 with a JSON error naming the parameter.
"""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from dashboards.coverage import BadParameter, choice_from, map_features
from dashboards.indicators import Area
from dashboards.scope import dashboard_scope
from registry.models import MetropolitanCity, Municipality, Zone, ZoneKind

GEOJSON = "application/geo+json"


@require_GET
def map_view(request, city):
    scope = dashboard_scope(request.user)
    metro = MetropolitanCity.objects.filter(slug=city, pk__in=scope.city_ids).first()
    if metro is None:
        raise Http404
    area = Area(metro)
    if request.GET.get("zone"):
        zone = get_object_or_404(
            Zone.objects.defer("boundary"),
            metropolitan_city=metro,
            kind=ZoneKind.AMBITO,
            code=request.GET["zone"],
        )
        area = Area(metro, zone=zone)
    if request.GET.get("municipality"):
        municipality = get_object_or_404(
            Municipality.objects.defer("boundary"),
            metropolitan_city=metro,
            istat_code=request.GET["municipality"],
        )
        area = Area(metro, zone=area.zone, municipality=municipality)
    try:
        choice = choice_from(request.GET, area)
    except BadParameter as bad:
        return JsonResponse({"error": bad.message(), "parameter": bad.name}, status=400)
    if choice.standard is None:
        data = {"type": "FeatureCollection", "features": [], "legend": []}
    else:
        data = map_features(area, choice.standard, choice.lens, choice.level)
    response = JsonResponse(data, content_type=GEOJSON, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, max-age=60"
    return response
