"""Personal data for partner systems and the browser: people, cases and referrals.

Every queryset here starts from the one scoping function (``visible_to``), so a record
outside the caller's scope answers 404, exactly like one that does not exist. Tokens need
the ``cases:read`` scope to read and ``referrals:write`` to refer or answer a referral.
"""

from __future__ import annotations

import django_filters
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets

from beneficiaries.actions.referrals import referral_create, referral_move
from beneficiaries.models import (
    SPECIAL_CATEGORIES,
    Beneficiary,
    Case,
    CaseStatus,
    Need,
    Referral,
    ReferralStatus,
)
from beneficiaries.selectors import (
    ANONYMOUS,
    FULL,
    SEALED,
    people_for,
    person_facts,
    referral_view_for,
    referral_views_for,
)
from beneficiaries.visibility import casework_case_q, scope_of
from core.access_log import AccessLoggedMixin
from core.api.base import (
    DirectoryCursorPagination,
    IdFilter,
    StableOrderingFilter,
    StrictFilterBackend,
)
from core.api.permissions import Rule
from core.api.writes import (
    StrictFieldsMixin,
    VersionedUpdateMixin,
    domain_errors,
)
from services.api.filters import StrictBooleanFilter, SyncFilterSet
from services.models import ServiceAtSite
from services.selectors import listed_services


def cases_read(model: str) -> Rule:
    return Rule("cases:read", permission=f"beneficiaries.view_{model}")


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
    the case teams; provider staff who see the person through a referral get ``null``.
    When the person has a protected case the caller does not work on (e.g. at an
    anti-violence centre), the special categories are ``null`` for every other case team
    too, and so is the registering organisation unless it is the caller's
    (``selectors.person_facts``)."""

    residence_municipality = serializers.SlugRelatedField(
        slug_field="istat_code", read_only=True, allow_null=True
    )
    health_condition = serializers.BooleanField(read_only=True, allow_null=True)
    ethnic_minority = serializers.BooleanField(read_only=True, allow_null=True)
    violence_survivor = serializers.BooleanField(read_only=True, allow_null=True)
    criminal_record = serializers.BooleanField(read_only=True, allow_null=True)
    registered_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

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
            *SPECIAL_CATEGORIES,
            "registered_by",
            "updated_at",
            "version",
        )

    def to_representation(self, person):
        data = super().to_representation(person)
        facts = person_facts(self.context["request"].user, person)
        for field in SPECIAL_CATEGORIES:
            data[field] = facts.special[field] if facts.special is not None else None
        data["registered_by"] = facts.registered_by_id
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
        # Annotated with ``sealed`` and ``in_casework``, which the serializer's masks read.
        return (
            people_for(self.request.user)
            .select_related("residence_municipality")
            .defer("residence_municipality__boundary")
        )


# --- Cases -------------------------------------------------------------------------------


class NeedSerializer(serializers.ModelSerializer):
    description = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Need
        fields = ("id", "domain", "severity", "description", "identified_on", "resolved_on")


class CaseSerializer(serializers.ModelSerializer):
    """A need's description stays with the case team: ``null`` for whoever sees the case
    as the provider it was referred to (as the workspace's referral page shows it)."""

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

    def to_representation(self, case):
        data = super().to_representation(case)
        if not case.worked_on:
            for need in data["needs"]:
                need["description"] = None
        return data


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
        worked_on = casework_case_q(scope_of(user))
        return (
            Case.objects.visible_to(user)
            .annotate(worked_on=ExpressionWrapper(worked_on, output_field=BooleanField()))
            .prefetch_related(
                Prefetch(
                    "needs",
                    queryset=Need.objects.visible_to(user).order_by("identified_on", "id"),
                ),
                "team",
            )
        )


# --- Referrals ---------------------------------------------------------------------------


class ReferralPersonSerializer(serializers.Serializer):
    """The person as the referral's view shows them: name and birth year in the full view;
    the age band (never the birth date) and the name, as consented, in the sealed view."""

    name = serializers.CharField(allow_null=True)
    birth_year = serializers.IntegerField(allow_null=True)
    age_band = serializers.CharField(allow_null=True)


class ReferralNeedSerializer(serializers.Serializer):
    """An open need: domain and severity, never the description."""

    domain = serializers.CharField()
    severity = serializers.IntegerField()


class ReferralContactSerializer(serializers.Serializer):
    """The contact route: the referring worker and the sending organisation."""

    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField()
    worker = serializers.IntegerField(source="worker_id")
    worker_name = serializers.CharField()
    worker_email = serializers.CharField()


class ReferralListSerializer(serializers.ListSerializer):
    """A page of referrals: their views are read together (a fixed number of queries)."""

    def to_representation(self, data):
        referrals = list(data.all() if hasattr(data, "all") else data)
        views = referral_views_for(self.context["request"].user, referrals)
        self.context.setdefault("referral_views", {}).update(
            {view.referral.pk: view for view in views}
        )
        return super().to_representation(referrals)


class ReferralSerializer(serializers.ModelSerializer):
    """A referral with its view of the person (``beneficiaries.selectors``): ``view`` is
    ``full`` (the case team, or the provider with the person's consent to sharing),
    ``sealed`` (a protected case, for the provider: age band, needs, contact) or
    ``anonymous`` (no consent to sharing in force: no person, no needs, no reason text),
    and ``withheld_because`` says why the receiving service sees less than the full view."""

    view = serializers.SerializerMethodField()
    withheld_because = serializers.SerializerMethodField()
    person = serializers.SerializerMethodField()
    needs = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        list_serializer_class = ReferralListSerializer
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
            "view",
            "withheld_because",
            "person",
            "needs",
            "contact",
        )
        read_only_fields = fields

    def view_of(self, referral):
        """The referral's view, read with its page's (``ReferralListSerializer``) or alone."""
        views = self.context.setdefault("referral_views", {})
        if referral.pk not in views:
            views[referral.pk] = referral_view_for(self.context["request"].user, referral)
        return views[referral.pk]

    @extend_schema_field(serializers.ChoiceField(choices=[FULL, SEALED, ANONYMOUS]))
    def get_view(self, referral) -> str:
        return self.view_of(referral).kind

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_withheld_because(self, referral) -> str | None:
        return self.view_of(referral).reason

    @extend_schema_field(ReferralPersonSerializer(allow_null=True))
    def get_person(self, referral) -> dict | None:
        view = self.view_of(referral)
        if view.anonymous:
            return None
        return {"name": view.name, "birth_year": view.birth_year, "age_band": view.age_band}

    @extend_schema_field(ReferralNeedSerializer(many=True))
    def get_needs(self, referral) -> list[dict]:
        return [{"domain": n.domain, "severity": n.severity} for n in self.view_of(referral).needs]

    @extend_schema_field(ReferralContactSerializer)
    def get_contact(self, referral) -> dict:
        return ReferralContactSerializer(self.view_of(referral).contact).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reason(self, referral) -> str | None:
        """Why it was made, declined or closed: free text about the person, so ``null`` in
        an anonymous stub."""
        return self.view_of(referral).referral_reason


@extend_schema_field(OpenApiTypes.UUID)
class CaseInScope(serializers.PrimaryKeyRelatedField):
    """A case the caller works on; any other id reads as unknown, never as forbidden."""

    def get_queryset(self):
        return Case.objects.worked_on_by(self.context["request"].user)


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
        with domain_errors(Referral):
            return referral_create(acting_user=self.context["request"].user, **validated_data)

    def to_representation(self, referral):
        return ReferralSerializer(referral, context=self.context).data


class ReferralMoveSerializer(StrictFieldsMixin, serializers.Serializer):
    """A step in the referral's life: the new status, when, and why (declining and closing
    need a reason). The action locks the referral and checks the version the caller read
    (If-Match or ``version``: ``VersionedUpdateMixin`` puts it in the context)."""

    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    on = serializers.DateField(required=False, help_text=_("date of the change (today)"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def update(self, referral, validated_data):
        with domain_errors(Referral):
            return referral_move(
                acting_user=self.context["request"].user,
                referral=referral,
                version=self.context["version"],
                **validated_data,
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
