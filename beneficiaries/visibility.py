"""Need-to-know visibility of personal data: the one scoping function per model.

Every page, API endpoint, admin list, export and job that reads personal records starts
from ``<Model>.objects.visible_to(user)``. The rules:

* social workers and coordinators see the cases of their organisation; a *protected*
  case only if they are its lead worker or on its team, or coordinate that organisation;
* provider staff see the referrals made to a service of their organisation; the case and
  the person behind a referral only if the case is not protected and the person's consent
  to sharing with providers is in force (withdrawn: an anonymous referral stub from the
  next read on; protected: the sealed view of ``selectors.py``); never notes or goals;
* consents are seen by the organisation that recorded them only, so that a person's
  consents to an anti-violence centre never show through another organisation's case;
* officials and administrators see no personal record (they work on aggregates);
* a superuser flag grants nothing here: access to people is never implied by being staff;
* inactive users, inactive memberships and inactive organisations grant nothing.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.db.models import Q

# The one membership reader (who works for which organisation in which role), re-exported
# because every scoping function here starts from it.
from services.memberships import CASEWORK_ROLES, NO_SCOPE, Scope, scope_of  # noqa: F401


def _model(name: str) -> type[models.Model]:
    return apps.get_model("beneficiaries", name)


def casework_case_q(scope: Scope, prefix: str = "") -> Q:
    """Cases a user reaches as a member of the owning organisation's team."""
    if not scope.casework:
        return Q(pk__in=[])
    Case = _model("Case")
    on_team = Case.team.through.objects.filter(user_id=scope.user_id).values("case_id")
    return (
        Q(**{f"{prefix}organisation__in": scope.casework, f"{prefix}protected": False})
        | Q(**{f"{prefix}organisation__in": scope.coordinated})
        | Q(
            **{
                f"{prefix}organisation__in": scope.casework,
                f"{prefix}lead_worker_id": scope.user_id,
            }
        )
        | Q(**{f"{prefix}organisation__in": scope.casework, f"{prefix}pk__in": on_team})
    )


def referred_case_ids(scope: Scope):
    """Ids of the cases whose person a provider may see: not protected, referred to a
    service of the user's provider organisations, with the person's consent to sharing
    with providers in force (checked at every read, so a withdrawal counts at once)."""
    from beneficiaries.consent import sharing_in_force

    Referral = _model("Referral")
    return (
        Referral.objects.filter(service__organisation__in=scope.provider, case__protected=False)
        .filter(sharing_in_force(case_prefix="case__"))
        .values("case_id")
    )


def case_q(scope: Scope, prefix: str = "") -> Q:
    q = casework_case_q(scope, prefix)
    if scope.provider:
        q |= Q(**{f"{prefix}pk__in": referred_case_ids(scope)})
    return q


class CaseQuerySet(models.QuerySet):
    def worked_on_by(self, user) -> CaseQuerySet:
        """Cases the user works on as a member of the case team (lead, team, or the owning
        organisation's workers and coordinators): who may change a case and its parts."""
        return self.filter(casework_case_q(scope_of(user)))

    def visible_to(self, user) -> CaseQuerySet:
        scope = scope_of(user)
        if scope.empty:
            return self.none()
        return self.filter(case_q(scope))


class BeneficiaryQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        # A bulk update would leave a look-up hash stale.
        for name in ("codice_fiscale", "family_name", "birth_date"):
            if name in kwargs:
                raise TypeError(f"Update {name} through save(), which re-hashes it.")
        return super().update(**kwargs)

    def sealed_for(self, user) -> BeneficiaryQuerySet:
        """Annotates ``sealed``: the person has a protected case the user does not work
        on, so their special-category flags and registering organisation stay hidden from
        the user (they show only through the protected case itself)."""
        Case = _model("Case")
        scope = scope_of(user)
        reached = Case.objects.filter(casework_case_q(scope)).values("pk")
        hidden = Case.objects.filter(beneficiary_id=models.OuterRef("pk"), protected=True).exclude(
            pk__in=reached
        )
        return self.annotate(sealed=models.Exists(hidden))

    def visible_to(self, user) -> BeneficiaryQuerySet:
        """People with a case the user sees, and people their organisation registered
        that have no protected case (an intake not yet taken in charge)."""
        scope = scope_of(user)
        if scope.empty:
            return self.none()
        Case = _model("Case")
        visible_cases = Case.objects.filter(case_q(scope)).values("beneficiary_id")
        protected = Case.objects.filter(protected=True).values("beneficiary_id")
        return self.filter(
            Q(pk__in=visible_cases) | (Q(registered_by__in=scope.casework) & ~Q(pk__in=protected))
        )


class NeedQuerySet(models.QuerySet):
    def visible_to(self, user) -> NeedQuerySet:
        scope = scope_of(user)
        if scope.empty:
            return self.none()
        Case = _model("Case")
        return self.filter(case__in=Case.objects.filter(case_q(scope)).values("pk"))


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReferralQuerySet:
        """The case team sees all its case's referrals; a provider those made to it, of a
        protected case too (it answers them through the sealed view)."""
        scope = scope_of(user)
        if scope.empty:
            return self.none()
        q = casework_case_q(scope, prefix="case__")
        if scope.provider:
            q |= Q(service__organisation__in=scope.provider)
        return self.filter(q)

    def sent_by_team(self, user) -> ReferralQuerySet:
        """The referrals of the cases the user works on (the sending team's side): not
        those the user reads only as the receiving provider."""
        return self.filter(casework_case_q(scope_of(user), prefix="case__"))


class ConsentQuerySet(models.QuerySet):
    def visible_to(self, user) -> ConsentQuerySet:
        """A visible person's consents recorded by an organisation the user does casework
        for: each organisation sees the consents given to it, never another's."""
        scope = scope_of(user)
        if not scope.casework:
            return self.none()
        Beneficiary = _model("Beneficiary")
        visible = Beneficiary.objects.visible_to(user).values("pk")
        return self.filter(beneficiary__in=visible, organisation__in=scope.casework)


class GoalQuerySet(models.QuerySet):
    def visible_to(self, user) -> GoalQuerySet:
        """The personalised plan is the case team's: provider staff never read it."""
        scope = scope_of(user)
        if not scope.casework:
            return self.none()
        Case = _model("Case")
        return self.filter(case__in=Case.objects.filter(casework_case_q(scope)).values("pk"))


class NoteQuerySet(models.QuerySet):
    def visible_to(self, user) -> NoteQuerySet:
        """Notes are for the case team only: provider staff never read them."""
        scope = scope_of(user)
        if not scope.casework:
            return self.none()
        Case = _model("Case")
        return self.filter(case__in=Case.objects.filter(casework_case_q(scope)).values("pk"))
