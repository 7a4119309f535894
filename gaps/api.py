"""Coverage results for officials and reporting tools: ``/api/v1/coverage-results/``.

By default the rows of the latest complete run of each scope; ``run`` asks for another
complete run (to compare with last month's). Counts of people (waiting, unmet demand)
are answered as in the exports (``gaps.publication``): 1 to 4 as "<5", and a cell hidden
so that a small one cannot be recovered from its zone's total as "n.d."; suppression is
computed over the whole run and standard, whatever the filters and the page.
"""

from __future__ import annotations

import django_filters
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers

from beneficiaries.api import ScopedViewSet
from core.api.base import IdFilter
from core.api.permissions import Rule
from core.suppression import SUPPRESSED, SUPPRESSED_SECONDARY
from gaps.models import AreaKind, CoverageResult, CoverageRun, RunStatus
from gaps.publication import PEOPLE_COUNTS, published_people_counts

READ = Rule("directory:read", permission="gaps.view_coverageresult")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number"},
            {"type": "string", "enum": [SUPPRESSED, SUPPRESSED_SECONDARY]},
        ]
    }
)
class PeopleCountField(serializers.FloatField):
    """A count of people: 0, at least 5, "<5" (1 to 4) or "n.d." (hidden so that a small
    count cannot be recovered from a total). The serializer publishes it; the field only
    declares it."""


class CoverageResultSerializer(serializers.ModelSerializer):
    standard = serializers.SlugRelatedField(slug_field="code", read_only=True)
    municipality = serializers.SlugRelatedField(
        slug_field="istat_code", read_only=True, allow_null=True
    )
    scope = serializers.CharField(source="run.scope", read_only=True)
    waiting = PeopleCountField(read_only=True)
    unmet = PeopleCountField(read_only=True)

    class Meta:
        model = CoverageResult
        fields = (
            "id",
            "run",
            "scope",
            "standard",
            "area_kind",
            "municipality",
            "zone",
            "population_used",
            "group_known",
            "supply",
            "site_count",
            "present",
            "requirement",
            "gap",
            "ratio",
            "accessibility",
            "sites_in_reach",
            "waiting",
            "free_places",
            "unmet",
        )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        published = self.context.get("published_people_counts")
        if published is None or instance.pk not in published:
            published = published_people_counts([instance])
        for name in PEOPLE_COUNTS:
            data[name] = published[instance.pk][name]
        return data


class CoverageResultFilter(django_filters.FilterSet):
    run = IdFilter(method="filter_run", label=_("run (id); the latest complete by default"))
    metropolitan_city = django_filters.CharFilter(
        field_name="run__scope", label=_("metropolitan city (slug), or all")
    )
    standard = django_filters.CharFilter(field_name="standard__code", label=_("standard (code)"))
    area_kind = django_filters.ChoiceFilter(choices=AreaKind.choices)
    municipality = django_filters.CharFilter(
        field_name="municipality__istat_code", label=_("municipality (ISTAT code)")
    )
    zone = IdFilter(field_name="zone", label=_("zone (id)"))

    class Meta:
        model = CoverageResult
        fields = ("run", "metropolitan_city", "standard", "area_kind", "municipality", "zone")

    def filter_run(self, queryset, name, value):
        return queryset.filter(run_id=value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("run") is None:
            latest = (
                CoverageRun.objects.filter(status=RunStatus.COMPLETE, scope=OuterRef("run__scope"))
                .order_by("-finished_at", "-id")
                .values("pk")[:1]
            )
            queryset = queryset.filter(run_id=Subquery(latest))
        return queryset


class CoverageResultViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = CoverageResult.objects.none()  # for the schema; requests use get_queryset
    serializer_class = CoverageResultSerializer
    filterset_class = CoverageResultFilter
    ordering_fields = ("accessibility", "population_used")
    rules = {"list": READ, "retrieve": READ}

    def get_serializer(self, *args, **kwargs):
        """Publish the counts of people of the rows serialized, in two queries."""
        instance = args[0] if args else kwargs.get("instance")
        if instance is not None:
            rows = [instance] if isinstance(instance, CoverageResult) else list(instance)
            context = kwargs.setdefault("context", self.get_serializer_context())
            context["published_people_counts"] = published_people_counts(rows)
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self):
        return (
            CoverageResult.objects.filter(run__status=RunStatus.COMPLETE)
            .select_related("standard", "municipality", "run")
            .defer("municipality__boundary")
        )
