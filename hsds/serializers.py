"""Atlante records as HSDS 3.1 objects (plain dicts, ready for JSON).

Blank optional values are left out rather than sent as ``""`` or ``null``: the HSDS
schemas type them as strings or numbers, and a consumer cannot tell ``""`` from "unknown".
The querysets in ``hsds.publication`` decide what may be shown; these functions only shape.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from hsds.ids import derived_id, hsds_id, id_for
from services.models import (
    Capacity,
    CapacityUnit,
    LegalForm,
    OpeningHours,
    Organisation,
    Service,
    ServiceAtSite,
    ServiceCategory,
    Site,
)

HSDS_VERSION = "3.1"
COUNTRY = "IT"
TAXONOMY_KEY = "atlante"
TAXONOMY_ID = derived_id("hsds.taxonomy", TAXONOMY_KEY)
BYDAY = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}
UNIT_SCHEME = "atlante-capacity-unit"
TAX_CODE_SCHEME = "IT-CF"  # codice fiscale / partita IVA of an Italian body
Json = dict[str, Any]


def compact(data: Json) -> Json:
    return {key: value for key, value in data.items() if value not in (None, "")}


def number(value: Decimal | int | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


def timestamp(moment) -> str:
    return moment.isoformat()


# --- Taxonomy --------------------------------------------------------------------------


def taxonomy() -> Json:
    return {
        "id": TAXONOMY_ID,
        "name": "Atlante",
        "description": str(_("Atlante's coded taxonomy of social services.")),
        "version": "1",
    }


def taxonomy_term(category: ServiceCategory) -> Json:
    return compact(
        {
            "id": hsds_id(category),
            "code": category.code,
            "name": category.name_it,
            "description": category.description or category.name_en,
            "parent_id": hsds_id(category.parent) if category.parent_id else None,
            "taxonomy": "Atlante",
            "taxonomy_id": TAXONOMY_ID,
            "language": "it",
        }
    )


def category_attribute(category: ServiceCategory, *, entity: str, link_id: str) -> Json:
    """HSDS links a taxonomy term to a record through an attribute."""
    return {
        "id": derived_id("hsds.attribute", f"{link_id}:{category.pk}"),
        "link_id": link_id,
        "link_type": "taxonomy_term",
        "link_entity": entity,
        "taxonomy_term_id": hsds_id(category),
        "taxonomy_term": taxonomy_term(category),
    }


# --- Organisation ----------------------------------------------------------------------


def organisation_identifiers(organisation: Organisation) -> list[Json]:
    return [
        {
            "id": derived_id("hsds.organization_identifier", organisation.pk),
            "organization_id": hsds_id(organisation),
            "identifier_scheme": TAX_CODE_SCHEME,
            "identifier_type": "codice fiscale",
            "identifier": organisation.tax_code,
        }
    ]


def organisation_phones(organisation: Organisation) -> list[Json]:
    if not organisation.phone:
        return []
    return [
        {
            "id": derived_id("hsds.phone", f"organisation:{organisation.pk}"),
            "organization_id": hsds_id(organisation),
            "number": organisation.phone,
        }
    ]


def organisation_basic(organisation: Organisation) -> Json:
    optional = compact(
        {
            "email": organisation.email,
            "website": organisation.website,
            "tax_id": organisation.tax_code,
            "legal_status": str(LegalForm(organisation.legal_form).label),
        }
    )
    # HSDS requires a description, so it stays even when blank.
    return {
        "id": hsds_id(organisation),
        "name": organisation.name,
        "description": organisation.description,
        **optional,
    }


def organisation_full(organisation: Organisation, *, full_service: bool) -> Json:
    service = service_full if full_service else service_basic
    return organisation_basic(organisation) | {
        "phones": organisation_phones(organisation),
        "organization_identifiers": organisation_identifiers(organisation),
        "locations": [location(site) for site in organisation.published_sites],
        "services": [service(item) for item in organisation.published_services],
    }


# --- Location --------------------------------------------------------------------------


def address(site: Site) -> Json:
    municipality = site.municipality
    return {
        "id": derived_id("hsds.address", site.pk),
        "location_id": hsds_id(site),
        "address_1": site.address,
        "city": municipality.name,
        "state_province": municipality.metropolitan_city.name,
        "region": municipality.metropolitan_city.region,
        "postal_code": site.postal_code,
        "country": COUNTRY,
        "address_type": "physical",
    }


def accessibility(site: Site) -> list[Json]:
    if not site.barrier_free:
        return []
    return [
        {
            "id": derived_id("hsds.accessibility", site.pk),
            "location_id": hsds_id(site),
            "description": str(_("barrier-free")),
        }
    ]


def location(site: Site) -> Json:
    """Only ever called for published (non-confidential) sites."""
    return {
        "id": hsds_id(site),
        "location_type": "physical",
        "organization_id": id_for(Organisation, site.organisation_id),
        "name": site.name,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "external_identifier": site.municipality.istat_code,
        "external_identifier_type": "ISTAT municipality code",
        "addresses": [address(site)],
        "accessibility": accessibility(site),
    }


# --- Schedules and capacity ------------------------------------------------------------


def schedule(hours: OpeningHours, offering: ServiceAtSite) -> Json:
    data = {
        "id": hsds_id(hours),
        "service_id": id_for(Service, offering.service_id),
        "location_id": id_for(Site, offering.site_id),
        "service_at_location_id": hsds_id(offering),
        "freq": "WEEKLY",
        "wkst": "MO",
        "byday": BYDAY[hours.weekday],
        "opens_at": hours.opens_at.isoformat(),
        "closes_at": hours.closes_at.isoformat(),
        "valid_from": hours.valid_from.isoformat() if hours.valid_from else None,
        "valid_to": hours.valid_to.isoformat() if hours.valid_to else None,
    }
    if hours.closes_at < hours.opens_at:
        data["description"] = str(_("Closes the next day."))
    return compact(data)


def unit(unit_code: str) -> Json:
    return {
        "id": derived_id("hsds.unit", unit_code),
        "name": str(CapacityUnit(unit_code).label),
        "scheme": UNIT_SCHEME,
        "identifier": unit_code,
    }


def capacity(item: Capacity, service_id: str) -> Json:
    return compact(
        {
            "id": hsds_id(item),
            "service_id": service_id,
            "unit": unit(item.unit),
            "unit_id": derived_id("hsds.unit", item.unit),
            "available": number(item.available),
            "maximum": number(item.total),
            "description": item.description,
            "updated": timestamp(item.updated_at),
        }
    )


# --- Service ---------------------------------------------------------------------------


def service_basic(service: Service) -> Json:
    """The one-to-one fields of a service (HSDS list shape). A confidential service shows
    no email or web page: its public contact point is its only contact."""
    confidential = service.confidential
    return compact(
        {
            "id": hsds_id(service),
            "organization_id": id_for(Organisation, service.organisation_id),
            "name": service.name,
            "alternate_name": service.alternate_name,
            "description": service.description,
            "url": None if confidential else service.url,
            "email": None if confidential else service.email,
            "status": service.status,
            "application_process": service.application_process,
            "fees_description": service.fees_description,
            "eligibility_description": service.eligibility_description,
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "last_modified": timestamp(service.updated_at),
        }
    )


def service_minimal(service: Service) -> Json:
    # HSDS asks for id and modification time; name and status stay because the service
    # schema requires them.
    return {
        "id": hsds_id(service),
        "name": service.name,
        "status": service.status,
        "last_modified": timestamp(service.updated_at),
    }


def service_contacts(service: Service) -> list[Json]:
    if not service.public_contact:
        return []
    return [
        {
            "id": derived_id("hsds.contact", f"service:{service.pk}"),
            "service_id": hsds_id(service),
            "name": service.public_contact,
        }
    ]


def service_funding(service: Service) -> list[Json]:
    if not (service.funding_programme or service.funding_description):
        return []
    parts = [service.get_funding_programme_display(), service.funding_description]
    return [
        {
            "id": derived_id("hsds.funding", service.pk),
            "service_id": hsds_id(service),
            "source": " – ".join(str(part) for part in parts if part),
        }
    ]


def service_languages(service: Service) -> list[Json]:
    return [
        {
            "id": derived_id("hsds.language", f"{service.pk}:{language.pk}"),
            "service_id": hsds_id(service),
            "name": language.name_en,
            "code": language.code,
        }
        for language in service.languages.all()
    ]


def service_at_location(offering: ServiceAtSite, *, nested: bool) -> Json:
    data = compact(
        {
            "id": hsds_id(offering),
            "service_id": id_for(Service, offering.service_id),
            "location_id": id_for(Site, offering.site_id),
            "description": offering.description,
        }
    )
    if nested:
        data["schedules"] = [schedule(hours, offering) for hours in offering.opening_hours.all()]
        data["location"] = location(offering.site)
    return data


def service_capacities(service: Service) -> list[Json]:
    service_id = hsds_id(service)
    # HSDS requires ``available``: a capacity whose free places are not tracked cannot be
    # published as a service_capacity.
    return [
        capacity(item, service_id)
        for offering in service.capacity_offerings
        for item in offering.capacities.all()
        if item.available is not None
    ]


def service_full(service: Service) -> Json:
    service_id = hsds_id(service)
    organisation = service.organisation
    return service_basic(service) | {
        "organization": organisation_basic(organisation)
        | {
            "phones": organisation_phones(organisation),
            "organization_identifiers": organisation_identifiers(organisation),
        },
        "service_at_locations": [
            service_at_location(offering, nested=True) for offering in service.published_offerings
        ],
        "languages": service_languages(service),
        "contacts": service_contacts(service),
        "funding": service_funding(service),
        "capacities": service_capacities(service),
        "attributes": [
            category_attribute(category, entity="service", link_id=service_id)
            for category in service.categories.all()
        ],
    }


def service_list_item(service: Service) -> Json:
    """One-to-one fields plus the taxonomy terms, which clients filter lists by."""
    service_id = hsds_id(service)
    return service_basic(service) | {
        "attributes": [
            category_attribute(category, entity="service", link_id=service_id)
            for category in service.categories.all()
        ]
    }


def service_at_location_detail(offering: ServiceAtSite) -> Json:
    """Fully nested: the location, the schedules and the service's one-to-one fields."""
    return service_at_location(offering, nested=True) | {"service": service_basic(offering.service)}
