"""Who read, and who changed, a person's records: the data-protection officer's report.

The officer (``Role.DATA_PROTECTION``) answers a person's request (GDPR art. 15) or a
suspicion of misuse for their organisation. Its scope, decided here:

- **whom**: a person the officer's organisation has taken in charge (a case of theirs,
  open or closed) or registered. Anyone else is "not found", whether or not the person
  exists: the report is no existence check.
- **which records**: the person's own record, and the records of the officer's
  organisations about them — its cases and everything under them (needs, goals, notes,
  referrals, placements), and the consents recorded for it. Another organisation's
  cases stay out, so a protected case elsewhere (an anti-violence centre) is not revealed.
- **which rows**: every access-log row (``core.access_log``: when, who, from where,
  through which door — api, admin, workspace — which path and partner) and every
  change-audit row (``core.models.AuditEntry``) about those records in the period. On
  the person's own record, which every organisation that follows them shares, only the
  rows of people who are or were members of the officer's organisations, and the
  codice fiscale checks of anyone (``via`` "cf-check": somebody learned that the person
  is registered; beneficiaries/cf_lookup.py).

The records are found by model, not by name: every personal model (one that is scoped
by ``visible_to``) that names the person (``beneficiary``) or one of their cases
(``case``), so a new kind of record joins the report without a change here and
``housing`` (above this app) needs no import. One query per kind of record for their
ids, then one query for all their access-log rows and one for their change-audit rows,
each on an index (auditlog's ``object_pk``; the audit's ``(target_type, target_id)`` and
``case_id``), and one for the readers' memberships: no query per row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone

from beneficiaries.models import Beneficiary, Case, codice_fiscale_lookup_hash
from core.access_log import is_personal
from core.models import AuditEntry
from services.models import Membership, Role

CF_CHECK = "cf-check"
DOORS = ("api", "admin", "workspace")


def officer_organisations(user) -> frozenset[int]:
    """The active organisations the user is the active data-protection officer of."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_atlante_officer_of", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.filter(
                user=user, role=Role.DATA_PROTECTION, active=True, organisation__active=True
            ).values_list("organisation_id", flat=True)
        )
        user._atlante_officer_of = cached  # once per request (the user object's life)
    return cached


def is_officer(user) -> bool:
    return bool(officer_organisations(user))


def find_person(
    organisations: frozenset[int], *, codice_fiscale: str = "", person_id=None
) -> Beneficiary | None:
    """The person, if one of ``organisations`` took them in charge or registered them."""
    if not organisations or not (codice_fiscale or person_id):
        return None
    people = Beneficiary.objects.filter(
        Q(registered_by__in=organisations)
        | Q(pk__in=Case.objects.filter(organisation__in=organisations).values("beneficiary_id"))
    )
    if codice_fiscale:
        people = people.filter(codice_fiscale_hash=codice_fiscale_lookup_hash(codice_fiscale))
    if person_id:
        people = people.filter(pk=person_id)
    return people.first()


def _has_field(model, name: str, target) -> bool:
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return getattr(found, "related_model", None) is target


def _kinds() -> list[tuple[type[models.Model], str | None, str | None]]:
    """Per personal model: the path from its rows to the person and to the organisation
    whose record it is (None, None for the person's own record; no organisation path for
    a record that belongs to no organisation)."""
    organisation = apps.get_model("services", "Organisation")
    kinds: list[tuple[type[models.Model], str | None, str | None]] = []
    for model in apps.get_models():
        if not is_personal(model) or model._meta.proxy:
            continue
        if model is Beneficiary:
            kinds.append((model, None, None))
        elif model is Case:
            kinds.append((model, "beneficiary", "organisation"))
        elif _has_field(model, "case", Case):
            kinds.append((model, "case__beneficiary", "case__organisation"))
        elif _has_field(model, "beneficiary", Beneficiary):
            owner = "organisation" if _has_field(model, "organisation", organisation) else None
            kinds.append((model, "beneficiary", owner))
    return kinds


@dataclass
class Records:
    """The person's records in the report, by content type: ids as the logs write them."""

    person: Beneficiary
    by_type: dict[int, list[str]] = field(default_factory=dict)
    case_ids: list = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.by_type.values())


def records_of(person: Beneficiary, organisations: frozenset[int]) -> Records:
    """The person's record and their records of ``organisations``: one query per kind."""
    records = Records(person=person)
    for model, to_person, to_organisation in _kinds():
        content_type = ContentType.objects.get_for_model(model)
        records.labels[content_type.pk] = str(model._meta.verbose_name)
        if to_person is None:
            ids = [person.pk]
        else:
            condition = Q(**{to_person: person.pk})
            if to_organisation:
                condition &= Q(**{f"{to_organisation}__in": organisations})
            ids = list(model._default_manager.filter(condition).values_list("pk", flat=True))
        if model is Case:
            records.case_ids = ids
        if ids:
            records.by_type[content_type.pk] = [str(pk) for pk in ids]
    return records


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        return start, end


def _members(organisations: frozenset[int]):
    # Members past and present: someone who has since left still read as a member.
    return Membership.objects.filter(organisation__in=organisations).values("user_id")


def access_rows(records: Records, organisations: frozenset[int], period: Period):
    """The access-log rows about the records in the period, oldest first (one query)."""
    person_type = ContentType.objects.get_for_model(Beneficiary).pk
    clauses = []
    for type_id, ids in records.by_type.items():
        clause = Q(content_type_id=type_id, object_pk__in=ids)
        if type_id == person_type:
            clause &= Q(actor__in=_members(organisations)) | Q(additional_data__via=CF_CHECK)
        clauses.append(clause)
    if not clauses:
        return LogEntry.objects.none()
    start, end = period.bounds()
    return (
        LogEntry.objects.filter(reduce(or_, clauses), timestamp__gte=start, timestamp__lt=end)
        .select_related("actor")
        .order_by("timestamp", "pk")
    )


def change_rows(records: Records, organisations: frozenset[int], period: Period):
    """The change-audit rows about the records in the period, oldest first (one query)."""
    person_type = ContentType.objects.get_for_model(Beneficiary).pk
    clauses = []
    for type_id, ids in records.by_type.items():
        clause = Q(target_type_id=type_id, target_id__in=ids)
        if type_id == person_type:
            clause &= Q(actor__in=_members(organisations))
        clauses.append(clause)
    if records.case_ids:
        clauses.append(Q(case_id__in=records.case_ids))
    if not clauses:
        return AuditEntry.objects.none()
    start, end = period.bounds()
    return (
        AuditEntry.objects.filter(reduce(or_, clauses), at__gte=start, at__lt=end)
        .select_related("actor")
        .order_by("at", "pk")
    )


def roles_of(user_ids) -> dict[int, str]:
    """Each reader's organisations and roles, as one text ("Org (role); ..."): one query."""
    found: dict[int, list[str]] = {}
    memberships = (
        Membership.objects.filter(user_id__in=set(user_ids))
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )
    for membership in memberships:
        text = f"{membership.organisation.name} ({membership.get_role_display()})"
        if not membership.active:
            text += " –"
        found.setdefault(membership.user_id, []).append(text)
    return {user_id: "; ".join(texts) for user_id, texts in found.items()}


@dataclass(frozen=True)
class Line:
    """One row of the report, an access or a change, as the page and the CSV show it."""

    at: datetime.datetime
    kind: str  # "access" or "change"
    record_type: str
    record_id: str
    username: str
    email: str
    roles: str
    via: str
    path: str
    partner: str
    address: str
    action: str
    fields: str

    @property
    def channel(self) -> str:
        """api, admin or workspace: the door, without the page kind ("workspace-list");
        anything else (a codice fiscale check, a job) as written."""
        door = self.via.split("-")[0]
        return door if door in DOORS else self.via


COLUMNS = [
    "at",
    "kind",
    "record_type",
    "record_id",
    "username",
    "email",
    "roles",
    "via",
    "path",
    "partner",
    "address",
    "action",
    "fields",
]


def lines(
    records: Records, organisations: frozenset[int], period: Period, *, limit: int | None = None
) -> tuple[list[Line], bool]:
    """Access and change rows merged by time (oldest first); ``limit`` keeps the latest
    ``limit`` rows of each (and says whether any were left out)."""
    accesses = access_rows(records, organisations, period)
    changes = change_rows(records, organisations, period)
    capped = False
    if limit is not None:
        accesses_list = list(accesses.reverse()[: limit + 1])[::-1]
        changes_list = list(changes.reverse()[: limit + 1])[::-1]
        capped = len(accesses_list) > limit or len(changes_list) > limit
        accesses_list, changes_list = accesses_list[-limit:], changes_list[-limit:]
    else:
        accesses_list, changes_list = list(accesses.iterator()), list(changes.iterator())
    roles = roles_of(
        [row.actor_id for row in accesses_list if row.actor_id]
        + [row.actor_id for row in changes_list if row.actor_id]
    )
    labels = records.labels
    merged = [_access_line(row, labels, roles) for row in accesses_list] + [
        _change_line(row, labels, roles) for row in changes_list
    ]
    merged.sort(key=lambda line: line.at)
    return merged, capped


def _access_line(row: LogEntry, labels, roles) -> Line:
    details = row.additional_data or {}
    return Line(
        at=row.timestamp,
        kind="access",
        record_type=labels.get(row.content_type_id, ""),
        record_id=row.object_pk,
        username=row.actor.get_username() if row.actor else "",
        email=row.actor_email or "",
        roles=roles.get(row.actor_id, ""),
        via=str(details.get("via", "")),
        path=str(details.get("path", "")),
        partner=str(details.get("partner", "")),
        address=row.remote_addr or "",
        action="",
        fields="",
    )


def _change_line(row: AuditEntry, labels, roles) -> Line:
    return Line(
        at=row.at,
        kind="change",
        record_type=labels.get(row.target_type_id, ""),
        record_id=row.target_id,
        username=row.actor.get_username() if row.actor else "",
        email=(row.actor.email if row.actor else "") or "",
        roles=roles.get(row.actor_id, ""),
        via=row.via,
        path="",
        partner="",
        address="",
        action=row.action,
        fields=", ".join(row.fields or ()),
    )


def csv_rows(line_list: list[Line]) -> Iterator[list]:
    """The CSV's rows, header first; the cells are neutralised by the writer's caller."""
    yield COLUMNS
    for line in line_list:
        yield [
            timezone.localtime(line.at).isoformat(timespec="seconds"),
            *[getattr(line, name) for name in COLUMNS[1:]],
        ]
