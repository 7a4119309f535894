"""Hand-written SQL for the pages the API benchmark measures (``bench_api.py``).

Each statement returns, in one round trip, the rows and columns of one API page as an
anonymous caller sees it: the same filters (listed services and sites only, confidential
places left out of a ``near`` search), the same order, the related ids and codes the
serializers show, and one row more than the page, as cursor pagination reads. It is what
the page would cost the database if it were asked in the most direct way, written from
the rules in ``services/api.py`` and ``services/confidentiality.py``, not from the ORM.
"""

from __future__ import annotations

from services.distance import KM_PER_DEGREE_LATITUDE, Circle

LISTED_SERVICE = "sv.status IN ('active', 'temporarily closed')"

SERVICE_COLUMNS = """
    s.id, s.organisation_id AS organisation, s.name, s.alternate_name, s.description,
    ARRAY(SELECT c.code FROM services_service_categories sc
          JOIN services_servicecategory c ON c.id = sc.servicecategory_id
          WHERE sc.service_id = s.id ORDER BY c.code) AS categories,
    s.status, s.eligibility_description, s.minimum_age, s.maximum_age,
    ARRAY(SELECT l.code FROM services_service_languages sl
          JOIN services_language l ON l.id = sl.language_id
          WHERE sl.service_id = s.id ORDER BY l.code) AS languages,
    s.free_of_charge, s.fees_description, s.funding_programme, s.funding_description,
    s.application_process, s.email, s.url, s.confidential, s.public_contact,
    ARRAY(SELECT si.id FROM services_serviceatsite a
          JOIN services_site si ON si.id = a.site_id
          JOIN services_organisation so ON so.id = si.organisation_id
          WHERE a.service_id = s.id AND si.active AND so.active ORDER BY si.id) AS sites,
    s.updated_at, s.version"""

SERVICES_BY_MUNICIPALITY_AND_CATEGORY = f"""
SELECT {SERVICE_COLUMNS}
FROM services_service s JOIN services_organisation o ON o.id = s.organisation_id
WHERE o.active AND s.status IN ('active', 'temporarily closed')
  AND EXISTS (SELECT 1 FROM services_service_categories sc
              JOIN services_servicecategory c ON c.id = sc.servicecategory_id
              WHERE sc.service_id = s.id
                AND (c.code = %(category)s OR c.code LIKE %(category_prefix)s))
  AND EXISTS (SELECT 1 FROM services_serviceatsite a
              JOIN services_site si ON si.id = a.site_id
              JOIN registry_municipality m ON m.id = si.municipality_id
              WHERE a.service_id = s.id AND si.active AND m.istat_code = %(municipality)s)
ORDER BY s.id
LIMIT %(limit)s
"""  # noqa: S608 - composed of the constants above; values are bound parameters

# d² in km², written as services/distance.py computes it, so that ties order alike.
SQUARED_KM = """
    ((si.longitude - %(longitude)s) * %(km_per_degree_longitude)s)
    * ((si.longitude - %(longitude)s) * %(km_per_degree_longitude)s)
    + ((si.latitude - %(latitude)s) * %(km_per_degree_latitude)s)
    * ((si.latitude - %(latitude)s) * %(km_per_degree_latitude)s)"""

# Sites in the circle whose place an anonymous caller may see: active, of an active
# organisation, not confidential and hosting no confidential service.
VISIBLE_SITES_IN_CIRCLE = f"""
    si.active AND so.active AND NOT si.confidential
    AND NOT EXISTS (SELECT 1 FROM services_serviceatsite ca
                    JOIN services_service cs ON cs.id = ca.service_id
                    WHERE ca.site_id = si.id AND cs.confidential)
    AND si.latitude BETWEEN %(min_latitude)s AND %(max_latitude)s
    AND si.longitude BETWEEN %(min_longitude)s AND %(max_longitude)s
    AND {SQUARED_KM} <= %(squared_radius)s"""  # noqa: S608

SERVICES_NEAR = f"""
WITH nearest AS (
    SELECT a.service_id, min({SQUARED_KM}) AS distance_sq
    FROM services_serviceatsite a
    JOIN services_site si ON si.id = a.site_id
    JOIN services_organisation so ON so.id = si.organisation_id
    WHERE {VISIBLE_SITES_IN_CIRCLE}
    GROUP BY a.service_id
)
SELECT {SERVICE_COLUMNS}, nearest.distance_sq
FROM services_service s
JOIN services_organisation o ON o.id = s.organisation_id
JOIN nearest ON nearest.service_id = s.id
WHERE o.active AND s.status IN ('active', 'temporarily closed')
ORDER BY nearest.distance_sq, s.id
LIMIT %(limit)s
"""  # noqa: S608 - composed of the constants above; values are bound parameters

SITES_NEAR = f"""
SELECT si.id, si.organisation_id AS organisation, si.name, si.address, si.postal_code,
    m.istat_code AS municipality, si.latitude, si.longitude, si.barrier_free,
    si.confidential, si.public_contact,
    ARRAY(SELECT sv.id FROM services_serviceatsite a
          JOIN services_service sv ON sv.id = a.service_id
          JOIN services_organisation vo ON vo.id = sv.organisation_id
          WHERE a.site_id = si.id AND vo.active AND {LISTED_SERVICE}
          ORDER BY sv.id) AS services,
    si.updated_at, si.version, {SQUARED_KM} AS distance_sq
FROM services_site si
JOIN services_organisation so ON so.id = si.organisation_id
JOIN registry_municipality m ON m.id = si.municipality_id
WHERE {VISIBLE_SITES_IN_CIRCLE}
ORDER BY distance_sq, si.id
LIMIT %(limit)s
"""  # noqa: S608 - composed of the constants above; values are bound parameters


def near_parameters(near: str, radius_km: str) -> dict[str, float]:
    latitude, longitude = (float(part) for part in near.split(","))
    circle = Circle(latitude, longitude, float(radius_km))
    min_latitude, max_latitude, min_longitude, max_longitude = circle.bounding_box()
    return {
        "latitude": latitude,
        "longitude": longitude,
        "km_per_degree_longitude": circle.km_per_degree_longitude,
        "km_per_degree_latitude": KM_PER_DEGREE_LATITUDE,
        "min_latitude": min_latitude,
        "max_latitude": max_latitude,
        "min_longitude": min_longitude,
        "max_longitude": max_longitude,
        "squared_radius": circle.radius_km**2,
    }


def page_statement(path: str, params: dict[str, str], page_size: int) -> tuple[str, dict]:
    """The hand-written statement for an API list request, and its parameters."""
    arguments: dict = {"limit": page_size + 1}
    if "near" in params:
        arguments |= near_parameters(params["near"], params.get("radius_km", "5"))
        statement = SITES_NEAR if path.endswith("/sites/") else SERVICES_NEAR
        return statement, arguments
    if path.endswith("/services/") and set(params) == {"municipality", "category"}:
        arguments |= {
            "municipality": params["municipality"],
            "category": params["category"],
            "category_prefix": params["category"] + ".%",
        }
        return SERVICES_BY_MUNICIPALITY_AND_CATEGORY, arguments
    raise ValueError(f"No hand-written SQL for {path} {params}")
