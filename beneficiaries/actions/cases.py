"""Taking a person in charge and working the case: open, edit, close; needs, goals, notes.

Every action locks the case row, refuses a change to a closed case, writes one audit row
and touches the case's last activity (``beneficiaries/activity.py``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.activity import touch
from beneficiaries.consent import why_not
from beneficiaries.models import (
    Beneficiary,
    Case,
    CaseStatus,
    ConsentPurpose,
    Goal,
    GoalStatus,
    Need,
    Note,
    Referral,
    ReferralStatus,
)
from beneficiaries.visibility import CASEWORK_ROLES, scope_of
from core import audit
from core.actions import full_clean
from core.errors import CONFLICT, FORBIDDEN, ActionError
from core.locking import check_version, locked

OPEN_REFERRAL_STATUSES = (
    ReferralStatus.REFERRED,
    ReferralStatus.WAITING,
    ReferralStatus.ACCEPTED,
    ReferralStatus.ACTIVE,
)
NOT_CLOSED = (CaseStatus.OPEN, CaseStatus.SUSPENDED)
CASE_EDITABLE = ("lead_worker", "team", "protected", "follow_up_on", "plan_summary")


# --- Rules shared by the actions --------------------------------------------------------


def case_for_work(acting_user, case: Case | object) -> Case:
    """The case under a row lock, if the user works on it and it is not closed."""
    pk = getattr(case, "pk", case)
    try:
        found = locked(Case.objects.worked_on_by(acting_user), pk)
    except Case.DoesNotExist:
        raise ActionError.on("case", _("You do not work on this case."), kind=FORBIDDEN) from None
    if found.status == CaseStatus.CLOSED:
        raise ActionError.on(
            "case",
            _("This case is closed (on %(date)s): it can no longer be changed.")
            % {"date": found.closed_on.isoformat()},
            kind=CONFLICT,
        )
    return found


def case_workers(organisation_ids: int | Iterable[int], case: Case | None = None):
    """Who may lead or join a case of the organisation (or of any of several): its active
    social workers and coordinators, and whoever is on the case already (so that an
    unrelated edit is never refused because a colleague has since left)."""
    if isinstance(organisation_ids, int):
        organisation_ids = [organisation_ids]
    q = Q(
        is_active=True,
        memberships__organisation_id__in=list(organisation_ids),
        memberships__organisation__active=True,
        memberships__role__in=CASEWORK_ROLES,
        memberships__active=True,
        # A role awaiting a second person's approval counts for nothing yet.
        memberships__status="approved",
    )
    # A case being opened has its random id already: whether it is saved says it exists.
    if case is not None and not case._state.adding:
        on_case = Case.team.through.objects.filter(case_id=case.pk).values("user_id")
        q |= Q(pk=case.lead_worker_id) | Q(pk__in=on_case)
    return get_user_model().objects.filter(q).distinct()


def _not_in_future(field: str, value: datetime.date | None, message: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ActionError.on(field, message)


def _require_consent(person_id, organisation_id, purpose: str, field: str) -> None:
    reason = why_not(beneficiary_id=person_id, organisation_id=organisation_id, purpose=purpose)
    if reason:
        raise ActionError.on(field, reason, kind=CONFLICT)


def casework_organisation(acting_user, organisation, message: str) -> None:
    """Refuse (forbidden, on ``organisation``) an organisation the user does no casework for."""
    if organisation is None or organisation.pk not in scope_of(acting_user).casework:
        raise ActionError.on("organisation", message, kind=FORBIDDEN)


def person_for_work(acting_user, beneficiary: Beneficiary) -> Beneficiary:
    """The person under a row lock, if the user may see them: a person's case openings and
    consents are then made one at a time, so their checks stay true on save."""
    try:
        return locked(Beneficiary.objects.visible_to(acting_user), beneficiary.pk)
    except Beneficiary.DoesNotExist:
        raise ActionError.on(
            "beneficiary", _("You cannot see this person."), kind=FORBIDDEN
        ) from None


def _check_team(case: Case, lead_worker, team) -> None:
    workers = case_workers(case.organisation_id, case)
    if lead_worker is not None and not workers.filter(pk=lead_worker.pk).exists():
        raise ActionError.on(
            "lead_worker",
            _("The lead worker must be a social worker or coordinator of %(organisation)s.")
            % {"organisation": case.organisation.name},
        )
    team_ids = {user.pk for user in team}
    if team_ids - set(workers.filter(pk__in=team_ids).values_list("pk", flat=True)):
        raise ActionError.on(
            "team",
            _("Everyone on the team must be a social worker or coordinator of %(organisation)s.")
            % {"organisation": case.organisation.name},
        )
    if lead_worker is not None and lead_worker.pk in team_ids:
        raise ActionError.on(
            "team", _("The lead worker is on the case already: leave them out of the team.")
        )


# --- The case ---------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    acting_user,
    beneficiary: Beneficiary,
    organisation,
    lead_worker,
    opened_on: datetime.date,
    protected: bool = False,
    follow_up_on: datetime.date | None = None,
    team: Iterable = (),
) -> Case:
    """Take a person in charge for an organisation the user works for (presa in carico).

    Needs the person's consent to case management for that organisation; one case that is
    not closed per person and organisation."""
    casework_organisation(
        acting_user, organisation, _("You do not take people in charge for this organisation.")
    )
    person = person_for_work(acting_user, beneficiary)
    _not_in_future("opened_on", opened_on, _("A case cannot be opened in the future."))
    if follow_up_on is not None and opened_on is not None and follow_up_on < opened_on:
        raise ActionError.on(
            "follow_up_on", _("The next follow-up cannot be before the case was opened.")
        )
    case = Case(
        beneficiary=person,
        organisation=organisation,
        lead_worker=lead_worker,
        opened_on=opened_on,
        protected=protected,
        follow_up_on=follow_up_on,
    )
    team = list(team)
    _check_team(case, lead_worker, team)
    _require_consent(person.pk, organisation.pk, ConsentPurpose.CASE_MANAGEMENT, "beneficiary")
    if Case.objects.filter(
        beneficiary=person, organisation=organisation, status__in=NOT_CLOSED
    ).exists():
        raise ActionError.on(
            None,
            _(
                "This person already has a case in %(organisation)s that is not closed: "
                "work on that case instead of opening another one."
            )
            % {"organisation": organisation.name},
            kind=CONFLICT,
        )
    full_clean(case)
    case.save()
    if team:
        case.team.set(team)
    audit.record(
        acting_user=acting_user,
        action="case_open",
        target=case,
        case_id=case.pk,
        fields=["beneficiary", "organisation", "lead_worker", "opened_on", "protected"]
        + (["follow_up_on"] if follow_up_on else [])
        + (["team"] if team else []),
    )
    return case


_UNSET = object()


@transaction.atomic
def case_update(
    *,
    acting_user,
    case: Case,
    version: int | None,
    lead_worker=_UNSET,
    team=_UNSET,
    protected=_UNSET,
    follow_up_on=_UNSET,
    plan_summary=_UNSET,
) -> Case:
    """Change the case and its plan against the version the user read; only the fields
    given change. Returns the saved case (its new version)."""
    current = case_for_work(acting_user, case)
    check_version(current, version)
    given = {
        "lead_worker": lead_worker,
        "team": team,
        "protected": protected,
        "follow_up_on": follow_up_on,
        "plan_summary": plan_summary,
    }
    given = {name: value for name, value in given.items() if value is not _UNSET}
    team_before = list(current.team.all())
    new_team = list(given.get("team", team_before))
    new_lead = given.get("lead_worker", current.lead_worker)
    if new_lead is None:
        raise ActionError.on("lead_worker", _("A case needs a lead worker."))
    _check_team(current, new_lead, new_team)
    if (when := given.get("follow_up_on")) and when < current.opened_on:
        raise ActionError.on(
            "follow_up_on",
            _("The next follow-up cannot be before the case was opened (%(date)s).")
            % {"date": current.opened_on.isoformat()},
        )
    changed = []
    old_team = {user.pk for user in team_before}
    for name, value in given.items():
        if name == "team":
            if {user.pk for user in value} != old_team:
                changed.append(name)
            continue
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed.append(name)
    full_clean(current)
    current.save()
    if "team" in changed:
        current.team.set(new_team)
    audit.record(
        acting_user=acting_user,
        action="case_update",
        target=current,
        case_id=current.pk,
        fields=changed,
    )
    touch(current.pk)
    return current


def open_parts(case: Case) -> tuple[list[Referral], list]:
    """The case's referrals still running and its placements not ended by today."""
    today = timezone.localdate()
    referrals = list(Referral.objects.filter(case=case, status__in=OPEN_REFERRAL_STATUSES))
    # Through the reverse relation: housing stands on beneficiaries, never the reverse.
    placements = list(case.placements.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today)))
    return referrals, placements


@transaction.atomic
def case_close(
    *,
    acting_user,
    case: Case,
    version: int | None,
    outcome: str,
    closed_on: datetime.date,
    close_anyway: bool = False,
) -> Case:
    """Close a case with its outcome. Open referrals or an ongoing placement need
    ``close_anyway``: they stay as they are (a Housing First tenancy may rightly outlive
    the case), never ended behind the worker's back."""
    current = case_for_work(acting_user, case)
    check_version(current, version)
    _not_in_future("closed_on", closed_on, _("The closing date cannot be in the future."))
    referrals, placements = open_parts(current)
    if (referrals or placements) and not close_anyway:
        raise ActionError.on(
            "close_anyway",
            _(
                "This case has open referrals or an ongoing placement: tick “close anyway” "
                "to close it all the same, or close them first."
            ),
            kind=CONFLICT,
        )
    current.status, current.outcome, current.closed_on = CaseStatus.CLOSED, outcome, closed_on
    full_clean(current)
    current.save(update_fields=["status", "outcome", "closed_on"])
    audit.record(
        acting_user=acting_user,
        action="case_close",
        target=current,
        case_id=current.pk,
        fields=["status", "outcome", "closed_on"],
        details={"outcome": outcome, "left_open": len(referrals) + len(placements)},
    )
    touch(current.pk)
    return current


# --- Needs, goals, notes ----------------------------------------------------------------


@transaction.atomic
def need_add(
    *,
    acting_user,
    case: Case,
    domain: str,
    severity: int,
    identified_on: datetime.date,
    description: str = "",
) -> Need:
    current = case_for_work(acting_user, case)
    _not_in_future(
        "identified_on",
        identified_on,
        _("The date the need was identified cannot be in the future."),
    )
    need = Need(
        case=current,
        domain=domain,
        severity=severity,
        identified_on=identified_on,
        description=description,
    )
    full_clean(need)
    need.save()
    audit.record(
        acting_user=acting_user,
        action="need_add",
        target=need,
        case_id=current.pk,
        fields=["domain", "severity", "identified_on"] + (["description"] if description else []),
        details={"domain": domain, "severity": severity},
    )
    touch(current.pk)
    return need


@transaction.atomic
def need_resolve(*, acting_user, need: Need, resolved_on: datetime.date | None = None) -> Need:
    current_case = case_for_work(acting_user, need.case_id)
    need = locked(Need.objects.filter(case=current_case), need.pk)
    if need.resolved_on is not None:
        raise ActionError.on(
            "resolved_on",
            _("This need (%(domain)s) was already resolved on %(date)s.")
            % {"domain": need.get_domain_display(), "date": need.resolved_on.isoformat()},
            kind=CONFLICT,
        )
    resolved_on = resolved_on or timezone.localdate()
    _not_in_future("resolved_on", resolved_on, _("A need cannot be resolved in the future."))
    need.resolved_on = resolved_on
    full_clean(need)
    need.save(update_fields=["resolved_on"])
    audit.record(
        acting_user=acting_user,
        action="need_resolve",
        target=need,
        case_id=current_case.pk,
        fields=["resolved_on"],
    )
    touch(current_case.pk)
    return need


@transaction.atomic
def goal_save(
    *,
    acting_user,
    case: Case,
    goal: Goal | None = None,
    version: int | None = None,
    description: str,
    domain: str = "",
    target_on: datetime.date | None = None,
    status: str = GoalStatus.OPEN,
) -> Goal:
    """Add a goal to the case's plan (``goal`` None) or change one, against its version."""
    current_case = case_for_work(acting_user, case)
    if target_on is not None and target_on < current_case.opened_on:
        raise ActionError.on(
            "target_on",
            _("The target date cannot be before the case was opened (%(date)s).")
            % {"date": current_case.opened_on.isoformat()},
        )
    if not (description or "").strip():
        raise ActionError.on("description", _("Describe the goal."))
    values = {"description": description, "domain": domain, "target_on": target_on}
    values["status"] = status
    if goal is None:
        saved = Goal(case=current_case, **values)
        changed = [name for name, value in values.items() if value not in ("", None)]
        action = "goal_add"
    else:
        try:
            saved = locked(Goal.objects.filter(case=current_case), goal.pk)
        except Goal.DoesNotExist:
            raise ActionError.on("goal", _("This goal is not in this case's plan.")) from None
        check_version(saved, version)
        changed = [name for name, value in values.items() if getattr(saved, name) != value]
        for name, value in values.items():
            setattr(saved, name, value)
        action = "goal_update"
    full_clean(saved)
    saved.save()
    audit.record(
        acting_user=acting_user,
        action=action,
        target=saved,
        case_id=current_case.pk,
        fields=changed,
        details={"status": status},
    )
    touch(current_case.pk)
    return saved


@transaction.atomic
def note_add(*, acting_user, case: Case, body: str) -> Note:
    current = case_for_work(acting_user, case)
    if not (body or "").strip():
        raise ActionError.on("body", _("Write the note before adding it."))
    note = Note(case=current, author=acting_user, body=body)
    full_clean(note)
    note.save()
    audit.record(
        acting_user=acting_user, action="note_add", target=note, case_id=current.pk, fields=["body"]
    )
    touch(current.pk)
    return note
