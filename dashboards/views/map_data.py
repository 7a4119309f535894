"""The coverage map's data: ``/admin/dashboard/<city>/map.geojson``.

GET parameters: ``standard`` (a standard's code; default the first with results),
``lens`` (normative, accessibility, demand), ``level`` (municipality, zone) and,
optionally, ``zone`` (an Ambito's code) or ``municipality`` (an ISTAT code) to draw that
area only. The city comes through the dashboards' scope (``pages.city_or_404``: 403
without dashboards, 404 for a city outside them); a bad standard, lens or level is
answered 400 with a JSON error naming the parameter.
"""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from dashboards.coverage import BadParameter, choice_from, map_features
from dashboards.indicators import Area
from dashboards.views.pages import ambito_of, city_or_404, municipality_of

GEOJSON = "application/geo+json"


@require_GET
def map_view(request, city):
    metro = city_or_404(request, city)
    area = Area(metro)
    if request.GET.get("zone"):
        zone = ambito_of(metro, request.GET["zone"])
        if zone is None:
            raise Http404
        area = Area(metro, zone=zone)
    if request.GET.get("municipality"):
        municipality = municipality_of(metro, request.GET["municipality"])
        if municipality is None:
            raise Http404
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
