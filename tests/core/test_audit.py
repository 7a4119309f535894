"""The change audit (core/audit.py): one row per action, field names and never values,
the door it came through, and nothing left behind by a refused or rolled-back change."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import transaction

from beneficiaries.models import Beneficiary, Case
from core import audit
from core.channel import via
from core.models import AuditEntry
from tests.factories import BeneficiaryFactory, CaseFactory, MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_record_writes_one_row_about_the_target():
    case = CaseFactory()
    user = UserFactory()
    entry = audit.record(
        acting_user=user,
        action="case_update",
        target=case,
        fields=["team", "lead_worker", "team"],
        case_id=case.pk,
        details={"outcome": "housed"},
    )
    assert AuditEntry.objects.get() == entry
    entry.refresh_from_db()
    assert entry.actor == user
    assert entry.action == "case_update"
    assert entry.target_type == ContentType.objects.get_for_model(Case)
    assert (entry.target_id, entry.target_version) == (str(case.pk), case.version)
    assert entry.case_id == case.pk
    # Field names once each, sorted: the same list whatever order an action gives them.
    assert entry.fields == ["lead_worker", "team"]
    assert entry.details == {"outcome": "housed"}


def test_record_keeps_field_names_never_their_values():
    person = BeneficiaryFactory(given_name="Ottavia", family_name="Quagliarella")
    entry = audit.record(
        acting_user=UserFactory(),
        action="person_update",
        target=person,
        fields=["given_name", "family_name"],
    )
    stored = serializers.serialize("json", AuditEntry.objects.filter(pk=entry.pk))
    assert "Ottavia" not in stored and "Quagliarella" not in stored
    assert json.loads(stored)[0]["fields"]["fields"] == ["family_name", "given_name"]
    assert entry.target_type == ContentType.objects.get_for_model(Beneficiary)


def test_the_row_says_through_which_door_the_change_came():
    case = CaseFactory()
    user = UserFactory()
    assert audit.record(acting_user=user, action="a", target=case).via == "job"
    for door in ("workspace", "admin", "api", "command"):
        with via(door):
            assert audit.record(acting_user=user, action="a", target=case).via == door
    assert sorted(AuditEntry.objects.values_list("via", flat=True)) == [
        "admin",
        "api",
        "command",
        "job",
        "workspace",
    ]


def test_a_record_without_a_version_and_an_anonymous_actor():
    """A job acts for nobody; territory rows carry no version."""
    town = MunicipalityFactory()
    entry = audit.record(acting_user=AnonymousUser(), action="load", target=town)
    assert (entry.actor, entry.target_version, entry.target_id) == (None, None, str(town.pk))
    assert audit.record(acting_user=None, action="load", target=town).actor is None


def test_a_rolled_back_change_leaves_no_row():
    case = CaseFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(acting_user=UserFactory(), action="case_close", target=case)
        raise RuntimeError("refused after the row was written")
    assert not AuditEntry.objects.exists()


def test_last_saved_by_is_the_actor_of_the_current_version():
    case = CaseFactory()
    first, second = UserFactory(), UserFactory()
    assert audit.last_saved_by(case) is None
    audit.record(acting_user=first, action="case_open", target=case)
    assert audit.last_saved_by(case) == first
    case.save()  # version 2, saved by someone the audit does not know
    assert audit.last_saved_by(case) is None
    audit.record(acting_user=second, action="case_update", target=case)
    assert audit.last_saved_by(case) == second
    # Another record with the same id and version is not this one.
    other = BeneficiaryFactory()
    assert audit.last_saved_by(other) is None
