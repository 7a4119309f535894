"""Import an HSDS JSON publication (a list of fully nested services) from another
directory into Atlante.

Each service record, with its organisation, locations, schedules and capacities, is
written in one transaction: a record with any error leaves nothing behind and is reported
with the field and the reason; the others go on. Source ids are remembered in
``ImportedRecord`` so that importing the same publication again updates the same rows.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.dateparse import parse_date, parse_time
from django.utils.translation import gettext as _

from hsds import schemas
from hsds.models import ImportedRecord
from hsds.serializers import BYDAY
from registry.geometry import polygon_contains
from registry.models import Municipality
from services.models import (
    Capacity,
    CapacityUnit,
    Language,
    LegalForm,
    OpeningHours,
    Organisation,
    Service,
    ServiceAtSite,
    ServiceCategory,
    Site,
)
from services.tax_code import validate_organisation_tax_code

WEEKDAYS = {code: number for number, code in BYDAY.items()}
TAX_CODE_HINTS = ("fiscale", "iva", "tax", "it-cf", "it-vat")


@dataclass(frozen=True)
class Problem:
    record_id: str
    field: str
    reason: str
    warning: bool = False

    def __str__(self) -> str:
        level = _("WARNING") if self.warning else _("ERROR")
        return f"{level} {self.record_id} {self.field}: {self.reason}"


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class RecordInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


def read_publication(path: Path) -> list[dict]:
    """A list of services, or an HSDS ``Page`` of them (``contents``)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        data = data["contents"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError(_("Expected a list of HSDS services."))
    return data


def import_publication(records: list, *, source: str) -> ImportReport:
    importer = Importer(source)
    for index, record in enumerate(records):
        importer.import_record(record, index)
    return importer.report


class Importer:
    def __init__(self, source: str) -> None:
        self.source = source
        self.report = ImportReport()
        self._municipalities: list[Municipality] | None = None
        self.categories = {c.code: c for c in ServiceCategory.objects.all()}
        self.languages = {lang.code: lang for lang in Language.objects.all()}

    # --- Per record ----------------------------------------------------------------

    def import_record(self, record: object, index: int) -> None:
        record_id = f"#{index}"
        if isinstance(record, dict) and record.get("id"):
            record_id = str(record["id"])
        self.record_id = record_id
        warnings: list[Problem] = []
        self.warnings = warnings
        schema_problems = [
            Problem(record_id, path, reason)
            for path, reason in schemas.error_messages("service", record)
        ]
        if schema_problems:
            self.reject(record_id, schema_problems)
            return
        try:
            with transaction.atomic():
                self.service(record)
        except RecordInvalid as invalid:
            self.reject(record_id, invalid.problems)
            return
        self.report.imported.append(record_id)
        self.report.problems.extend(warnings)

    def reject(self, record_id: str, problems: list[Problem]) -> None:
        self.report.rejected.append(record_id)
        self.report.problems.extend(problems)

    def fail(self, field_path: str, reason: str) -> RecordInvalid:
        return RecordInvalid([Problem(self.record_id, field_path, str(reason))])

    def warn(self, field_path: str, reason: str) -> None:
        self.warnings.append(Problem(self.record_id, field_path, str(reason), warning=True))

    # --- Source ids ----------------------------------------------------------------

    def recall(self, model: type[Model], hsds_id: str | None):
        if not hsds_id:
            return None
        link = ImportedRecord.objects.filter(
            source=self.source,
            hsds_id=hsds_id,
            content_type=ContentType.objects.get_for_model(model),
        ).first()
        if link is None:
            return None
        return model.objects.filter(pk=link.object_id).first()

    def remember(self, hsds_id: str, instance: Model) -> None:
        ImportedRecord.objects.update_or_create(
            source=self.source,
            hsds_id=hsds_id,
            content_type=ContentType.objects.get_for_model(type(instance)),
            defaults={"object_id": instance.pk},
        )

    def save(self, instance: Model, prefix: str) -> None:
        """``full_clean`` first, so that our constraints answer field by field."""
        try:
            instance.full_clean()
        except ValidationError as error:
            problems = [
                Problem(self.record_id, f"{prefix}.{name}" if name != "__all__" else prefix, msg)
                for name, messages in error.message_dict.items()
                for msg in messages
            ]
            raise RecordInvalid(problems) from None
        instance.save()

    # --- Objects -------------------------------------------------------------------

    def service(self, record: dict) -> Service:
        locations = [
            (f"service_at_locations.{i}", item)
            for i, item in enumerate(record.get("service_at_locations") or [])
        ]
        sites_data = [(path, self.location_data(path, item)) for path, item in locations]
        organisation = self.organisation(record, sites_data)
        service = self.recall(Service, record["id"]) or Service(organisation=organisation)
        service.organisation = organisation
        for name in (
            "name",
            "alternate_name",
            "description",
            "eligibility_description",
            "application_process",
            "fees_description",
            "email",
            "url",
        ):
            setattr(service, name, record.get(name) or "")
        service.status = record["status"]
        service.minimum_age = whole(record.get("minimum_age"))
        service.maximum_age = whole(record.get("maximum_age"))
        # HSDS states costs as cost_options; any positive amount means a fee.
        service.free_of_charge = not any(
            (option.get("amount") or 0) > 0 for option in record.get("cost_options") or []
        )
        self.save(service, "service")
        self.remember(record["id"], service)
        service.categories.set(self.service_categories(record))
        service.languages.set(self.service_languages(record))
        offerings = []
        for (path, item), (_path, site_data) in zip(locations, sites_data, strict=True):
            site = self.site(path, site_data, organisation)
            offerings.append(self.offering(path, item, service, site))
        self.capacities(record, offerings)
        return service

    def service_categories(self, record: dict) -> list[ServiceCategory]:
        found = []
        for index, attribute in enumerate(record.get("attributes") or []):
            term = attribute.get("taxonomy_term") or {}
            code = term.get("code")
            if not code:
                continue
            if code in self.categories:
                found.append(self.categories[code])
            else:
                self.warn(
                    f"attributes.{index}.taxonomy_term.code",
                    _("Unknown taxonomy term %(code)s: left out.") % {"code": code},
                )
        return found

    def service_languages(self, record: dict) -> list[Language]:
        found = []
        for index, language in enumerate(record.get("languages") or []):
            code = (language.get("code") or "").lower()
            if code in self.languages:
                found.append(self.languages[code])
            elif code:
                self.warn(
                    f"languages.{index}.code",
                    _("Unknown language %(code)s: left out.") % {"code": code},
                )
        return found

    def organisation(self, record: dict, sites_data: list) -> Organisation:
        data = record.get("organization")
        if not data:
            organisation = self.recall(Organisation, record.get("organization_id"))
            if organisation is None:
                raise self.fail("organization", _("No organisation given or imported before."))
            return organisation
        tax_code = self.tax_code(data)
        organisation = self.recall(Organisation, data["id"])
        if organisation is None:
            existing = Organisation.objects.filter(tax_code=tax_code).first()
            if existing is not None:
                # Already in Atlante from another door: link to it, leave it as it is.
                self.warn("organization", _("Already in Atlante (same tax code): not changed."))
                return existing
            organisation = Organisation(tax_code=tax_code)
        municipality = next((site["municipality"] for _p, site in sites_data), None)
        if municipality is None and organisation.municipality_id is None:
            raise self.fail(
                "organization",
                _("No location of the service is in our territory to place the organisation."),
            )
        if organisation.municipality_id is None:
            organisation.municipality = municipality
        organisation.tax_code = tax_code
        organisation.name = data.get("name") or ""
        organisation.description = data.get("description") or ""
        organisation.email = data.get("email") or ""
        organisation.website = data.get("website") or ""
        organisation.legal_form = self.legal_form(data)
        phones = data.get("phones") or []
        organisation.phone = (phones[0].get("number") or "")[:30] if phones else ""
        self.save(organisation, "organization")
        self.remember(data["id"], organisation)
        return organisation

    def tax_code(self, data: dict) -> str:
        candidates = [
            (f"organization.organization_identifiers.{index}.identifier", item["identifier"])
            for index, item in enumerate(data.get("organization_identifiers") or [])
            if any(
                hint
                in f"{item.get('identifier_scheme', '')} {item.get('identifier_type', '')}".lower()
                for hint in TAX_CODE_HINTS
            )
        ]
        if data.get("tax_id"):
            candidates.append(("organization.tax_id", data["tax_id"]))
        if not candidates:
            raise self.fail(
                "organization.tax_id",
                _("An Italian tax code (11 digits) is needed, as tax_id or an identifier."),
            )
        reasons = []
        for path, value in candidates:
            try:
                return validate_organisation_tax_code(str(value))
            except ValidationError as error:
                reasons.append((path, " ".join(error.messages)))
        raise RecordInvalid([Problem(self.record_id, path, reason) for path, reason in reasons])

    def legal_form(self, data: dict) -> str:
        status = (data.get("legal_status") or "").strip().lower()
        for value, label in LegalForm.choices:
            if status in (value, str(label).lower()):
                return value
        self.warn(
            "organization.legal_status",
            _("Legal form %(status)r not recognised: recorded as other third-sector body.")
            % {"status": status},
        )
        return LegalForm.OTHER_ETS

    def location_data(self, path: str, item: dict) -> dict:
        location = item.get("location")
        if not location:
            site = self.recall(Site, item.get("location_id"))
            if site is None:
                raise self.fail(f"{path}.location", _("No location given or imported before."))
            return {"existing": site, "municipality": site.municipality, "id": None}
        addresses = location.get("addresses") or []
        physical = [a for a in addresses if a.get("address_type") == "physical"] or addresses
        address = physical[0] if physical else {}
        latitude, longitude = location.get("latitude"), location.get("longitude")
        if latitude is None or longitude is None:
            raise self.fail(
                f"{path}.location.latitude", _("The coordinates of the location are needed.")
            )
        municipality = self.municipality(address, latitude, longitude)
        if municipality is None:
            raise self.fail(f"{path}.location", _("The location is outside our territory."))
        line = ", ".join(p for p in (address.get("address_1"), address.get("address_2")) if p)
        return {
            "existing": None,
            "id": location["id"],
            "name": location.get("name") or line,
            "address": line,
            "postal_code": address.get("postal_code") or "",
            "latitude": latitude,
            "longitude": longitude,
            "municipality": municipality,
        }

    def municipality(self, address: dict, latitude: float, longitude: float):
        """The municipality whose boundary holds the point; failing that, the one named
        as the address's city in the address's region."""
        for municipality in self.municipalities():
            if polygon_contains(municipality.boundary, longitude, latitude):
                return municipality
        city = (address.get("city") or "").strip()
        region = (address.get("region") or address.get("state_province") or "").strip()
        if not (city and region):
            return None
        return (
            Municipality.objects.filter(name__iexact=city, metropolitan_city__region__iexact=region)
            .defer("boundary")
            .first()
        )

    def municipalities(self) -> list[Municipality]:
        if self._municipalities is None:
            self._municipalities = list(Municipality.objects.filter(boundary__isnull=False))
        return self._municipalities

    def site(self, path: str, data: dict, organisation: Organisation) -> Site:
        if data["existing"] is not None:
            return data["existing"]
        site = self.recall(Site, data["id"]) or Site(organisation=organisation)
        site.organisation = organisation
        for name in ("name", "address", "postal_code", "latitude", "longitude", "municipality"):
            setattr(site, name, data[name])
        self.save(site, f"{path}.location")
        self.remember(data["id"], site)
        return site

    def offering(self, path: str, item: dict, service: Service, site: Site) -> ServiceAtSite:
        offering = (
            self.recall(ServiceAtSite, item["id"])
            or ServiceAtSite.objects.filter(service=service, site=site).first()
            or ServiceAtSite(service=service, site=site)
        )
        offering.service, offering.site = service, site
        offering.description = item.get("description") or ""
        self.save(offering, path)
        self.remember(item["id"], offering)
        # Schedules are replaced as a whole: the source's list is the truth.
        offering.opening_hours.all().delete()
        for index, schedule in enumerate(item.get("schedules") or []):
            self.opening_hours(f"{path}.schedules.{index}", schedule, offering)
        return offering

    def opening_hours(self, path: str, schedule: dict, offering: ServiceAtSite) -> None:
        opens = parse_time(schedule.get("opens_at") or "")
        closes = parse_time(schedule.get("closes_at") or "")
        days = [day.strip().upper() for day in (schedule.get("byday") or "").split(",")]
        weekdays = [WEEKDAYS.get(day[-2:]) for day in days if day]
        if (schedule.get("freq") or "WEEKLY") != "WEEKLY" or not (opens and closes and weekdays):
            self.warn(path, _("Only weekly schedules with byday, opens_at and closes_at are read."))
            return
        if None in weekdays:
            raise self.fail(f"{path}.byday", _("Unknown day in %(byday)r.") % {"byday": days})
        for weekday in weekdays:
            hours = OpeningHours(
                offering=offering,
                weekday=weekday,
                opens_at=opens,
                closes_at=closes,
                valid_from=day_or_none(schedule.get("valid_from")),
                valid_to=day_or_none(schedule.get("valid_to")),
            )
            self.save(hours, path)

    def capacities(self, record: dict, offerings: list[ServiceAtSite]) -> None:
        for index, item in enumerate(record.get("capacities") or []):
            path = f"capacities.{index}"
            if len(offerings) != 1:
                # Atlante counts places per site; HSDS per service.
                self.warn(path, _("Left out: the service must be at exactly one location."))
                continue
            unit = self.unit(item.get("unit") or {})
            if unit is None:
                self.warn(f"{path}.unit", _("Unknown unit: left out."))
                continue
            total = decimal(item.get("maximum"))
            if total is None:
                self.warn(f"{path}.maximum", _("No maximum: left out."))
                continue
            capacity = (
                self.recall(Capacity, item["id"])
                or Capacity.objects.filter(offering=offerings[0], unit=unit).first()
                or Capacity(offering=offerings[0], unit=unit)
            )
            capacity.offering, capacity.unit, capacity.total = offerings[0], unit, total
            capacity.available = decimal(item.get("available"))
            capacity.description = (item.get("description") or "")[:300]
            self.save(capacity, path)
            self.remember(item["id"], capacity)

    def unit(self, data: dict) -> str | None:
        for key in ("identifier", "name"):
            value = (data.get(key) or "").strip().lower()
            for code, label in CapacityUnit.choices:
                if value in (code, str(label).lower()):
                    return code
        return None


def whole(value) -> int | None:
    return None if value is None else int(value)


def decimal(value) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def day_or_none(value: str | None) -> datetime.date | None:
    return parse_date(value) if value else None
