"""A case's last activity: what a caseload sorts by."""

from django.utils import timezone

from beneficiaries.models import Case, CaseStatus


def touch(case_id) -> None:
    """Mark the case as just worked on, without a version bump (not an edit of the case
    itself, so it never makes someone's open edit form stale)."""
    Case.objects.filter(pk=case_id).update(last_activity_at=timezone.now())


def touch_person_cases(person_id, organisation_ids) -> None:
    """Mark as just worked on the person's cases (not closed) in the organisations: a
    change to the person or their consents is news for the teams that follow them."""
    Case.objects.filter(
        beneficiary_id=person_id,
        organisation_id__in=list(organisation_ids),
        status__in=(CaseStatus.OPEN, CaseStatus.SUSPENDED),
    ).update(last_activity_at=timezone.now())
