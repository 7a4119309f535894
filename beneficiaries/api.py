"""Personal data for partner systems and the browser: people, cases and referrals.

Every queryset here starts from the one scoping function (``visible_to``), so a record
outside the caller's scope answers 404, exactly like one that does not exist. Tokens need
the ``cases:read`` scope to read and ``referrals:write`` to refer or answer a referral.
"""

from __future__ import annotations

import django_filters
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets

from beneficiaries.actions.referrals import referral_create, referral_move
from beneficiaries.models import (
    Beneficiary,
    Case,
    CaseStatus,
    Need,
    Referral,
    ReferralStatus,
)
from beneficiaries.visibility import casework_case_q, scope_of
from config.access_log import AccessLoggedMixin
from config.api import (
    DirectoryCursorPagination,
    IdFilter,
    StableOrderingFilter,
    StrictFilterBackend,
)
from config.permissions import Rule
from config.writes import StrictFieldsMixin, VersionedUpdateMixin, domain_errors
from services.api import StrictBooleanFilter, SyncFilterSet, listed_services
from services.models import ServiceAtSite


def cases_read(model: str) -> Rule:
    return Rule("cases:read", permission=f"beneficiaries.view_{model}")


SPECIAL_CATEGORY_FIELDS = (
    "health_condition",
    "ethnic_minority",
    "violence_survivor",
    "criminal_record",
)


class ScopedViewSet(viewsets.GenericViewSet):
    """Cursor pages like the directory; ordering by last change for partners that sync."""

    pagination_class = DirectoryCursorPagination
    filter_backends = (StrictFilterBackend, StableOrderingFilter)
    ordering = ("id",)
    ordering_fields = ("updated_at",)
    rules: dict[str, Rule] = {}


class PersonalDataViewSet(AccessLoggedMixin, ScopedViewSet):
    """Every record shown is written to the access log."""


# --- People ------------------------------------------------------------------------------


class BeneficiarySerializer(serializers.ModelSerializer):
    """Special categories of data (health, ethnicity, violence, criminal record) reach only
    the case teams; provider staff who see the person through a referral get ``null``."""

    residence_municipality = serializers.SlugRelatedField(
        slug_field="istat_code", read_only=True, allow_null=True
    )
    health_condition = serializers.BooleanField(read_only=True, allow_null=True)
    ethnic_minority = serializers.BooleanField(read_only=True, allow_null=True)
    violence_survivor = serializers.BooleanField(read_only=True, allow_null=True)
    criminal_record = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = Beneficiary
        fields = (
            "id",
            "given_name",
            "family_name",
            "codice_fiscale",
            "birth_date",
            "gender",
            "citizenship",
            "residence_municipality",
            "homeless",
            *SPECIAL_CATEGORY_FIELDS,
            "registered_by",
            "updated_at",
            "version",
        )

    def to_representation(self, person):
        data = super().to_representation(person)
        if not person.in_casework:
            for field in SPECIAL_CATEGORY_FIELDS:
                data[field] = None
        return data


class BeneficiaryFilter(SyncFilterSet):
    class Meta:
        model = Beneficiary
        fields = ("modified_after",)


class BeneficiaryViewSet(PersonalDataViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Beneficiary.objects.none()  # for the schema; requests use get_queryset
    rules = {"list": cases_read("beneficiary"), "retrieve": cases_read("beneficiary")}
    serializer_class = BeneficiarySerializer
    filterset_class = BeneficiaryFilter

    def get_queryset(self):
        user = self.request.user
        scope = scope_of(user)
        team_cases = Case.objects.filter(casework_case_q(scope), beneficiary=OuterRef("pk"))
        in_casework = Q(Exists(team_cases))
        if scope.casework:
            in_casework |= Q(registered_by__in=scope.casework)
        return (
            Beneficiary.objects.visible_to(user)
            .select_related("residence_municipality")
            .defer("residence_municipality__boundary")
            .annotate(in_casework=ExpressionWrapper(in_casework, output_field=BooleanField()))
        )


# --- Cases -------------------------------------------------------------------------------


class NeedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Need
        fields = ("id", "domain", "severity", "description", "identified_on", "resolved_on")


class CaseSerializer(serializers.ModelSerializer):
    needs = NeedSerializer(many=True, read_only=True)
    team = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Case
        fields = (
            "id",
            "beneficiary",
            "organisation",
            "lead_worker",
            "team",
            "opened_on",
            "closed_on",
            "status",
            "outcome",
            "protected",
            "needs",
            "updated_at",
            "version",
        )


class CaseFilter(SyncFilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    organisation = IdFilter(field_name="organisation", label=_("organisation (id)"))
    beneficiary = django_filters.UUIDFilter(field_name="beneficiary", label=_("person (id)"))

    class Meta:
        model = Case
        fields = ("status", "organisation", "beneficiary", "modified_after")


class CaseViewSet(PersonalDataViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Case.objects.none()
    rules = {"list": cases_read("case"), "retrieve": cases_read("case")}
    serializer_class = CaseSerializer
    filterset_class = CaseFilter

    def get_queryset(self):
        user = self.request.user
        return Case.objects.visible_to(user).prefetch_related(
            Prefetch(
                "needs", queryset=Need.objects.visible_to(user).order_by("identified_on", "id")
            ),
            "team",
        )


# --- Referrals ---------------------------------------------------------------------------


class ReferralSerializer(serializers.ModelSerializer):
    class Meta:
        model = Referral
        fields = (
            "id",
            "case",
            "service",
            "offering",
            "status",
            "referred_by",
            "referred_on",
            "responded_on",
            "started_on",
            "ended_on",
            "reason",
            "updated_at",
            "version",
        )
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.UUID)
class CaseInScope(serializers.PrimaryKeyRelatedField):
    """A case the caller works on; any other id reads as unknown, never as forbidden."""

    def get_queryset(self):
        scope = scope_of(self.context["request"].user)
        return Case.objects.filter(casework_case_q(scope))


class ReferralCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    case = CaseInScope()
    service = serializers.PrimaryKeyRelatedField(
        queryset=listed_services().select_related("organisation")
    )
    offering = serializers.PrimaryKeyRelatedField(
        queryset=ServiceAtSite.objects.all(), required=False, allow_null=True
    )
    referred_on = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def create(self, validated_data):
        with domain_errors():
            return referral_create(actor=self.context["request"].user, **validated_data)

    def to_representation(self, referral):
        return ReferralSerializer(referral, context=self.context).data


class ReferralMoveSerializer(StrictFieldsMixin, serializers.Serializer):
    """A step in the referral's life: the new status, when, and why (declining and closing
    need a reason)."""

    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    on = serializers.DateField(required=False, help_text=_("date of the change (today)"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def update(self, referral, validated_data):
        return referral_move(
            actor=self.context["request"].user, referral=referral, **validated_data
        )

    def to_representation(self, referral):
        return ReferralSerializer(referral, context=self.context).data


class ReferralFilter(SyncFilterSet):
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices)
    case = django_filters.UUIDFilter(field_name="case", label=_("case (id)"))
    service = IdFilter(field_name="service", label=_("service (id)"))
    incoming = StrictBooleanFilter(
        method="filter_incoming", label=_("made to my organisations' services")
    )

    class Meta:
        model = Referral
        fields = ("status", "case", "service", "incoming", "modified_after")

    def filter_incoming(self, queryset, name, value):
        incoming = Q(service__organisation__in=scope_of(self.request.user).provider)
        return queryset.filter(incoming if value else ~incoming)


class ReferralViewSet(
    VersionedUpdateMixin,
    PersonalDataViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
):
    queryset = Referral.objects.none()
    filterset_class = ReferralFilter
    rules = {
        "list": cases_read("referral"),
        "retrieve": cases_read("referral"),
        "create": Rule("referrals:write", permission="beneficiaries.add_referral"),
        "partial_update": Rule("referrals:write", permission="beneficiaries.change_referral"),
    }

    def get_queryset(self):
        return Referral.objects.visible_to(self.request.user).select_related("service", "case")

    def get_serializer_class(self):
        return {
            "create": ReferralCreateSerializer,
            "partial_update": ReferralMoveSerializer,
        }.get(self.action, ReferralSerializer)
