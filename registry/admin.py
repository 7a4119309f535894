"""Back office for the territory, and the base classes every Atlante admin builds on.

The base classes live here because ``registry`` is the app every other app depends on:
``services``, ``beneficiaries`` and ``housing`` import them, never the other way round.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, router, transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core.access_log import log_access
from core.errors import ActionError
from core.forms import add_errors
from core.locking import locked
from registry.models import MetropolitanCity, Municipality, Zone

# Big columns that no list, autocomplete or select should ever load.
HEAVY_FIELDS = ("boundary",)
TRACKING_FIELDS = ("created_at", "updated_at", "version")
SEEN_VERSION = "atlante_seen_version"


def _heavy_fields(model) -> list[str]:
    names = {field.name for field in model._meta.concrete_fields}
    return [name for name in HEAVY_FIELDS if name in names]


def heavy_paths(model, related: tuple[str, ...] | list[str]) -> list[str]:
    """The heavy columns of a model and of the models reached through ``related`` paths."""
    paths = list(_heavy_fields(model))
    for path in related:
        current = model
        for part in path.split("__"):
            current = current._meta.get_field(part).related_model
        paths += [f"{path}__{name}" for name in _heavy_fields(current)]
    return paths


def light(queryset):
    """The queryset without its heavy columns (e.g. a municipality's GeoJSON boundary)."""
    heavy = _heavy_fields(queryset.model)
    return queryset.defer(*heavy) if heavy else queryset


def count_of(model, fk: str, *conditions, **filters) -> Coalesce:
    """Per-row count of ``model`` rows pointing at the row through ``fk``, as a subquery.

    Subqueries, unlike joins, let a list show several counts without multiplying them.
    """
    rows = model._default_manager.filter(*conditions, **{fk: OuterRef("pk")}, **filters)
    rows = rows.order_by()
    counted = rows.values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def without_fields(fieldsets, hidden) -> list:
    """The fieldsets without the ``hidden`` fields, and without the sets left empty."""
    hidden = set(hidden)
    kept = [
        (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
        for name, options in fieldsets
    ]
    return [(name, options) for name, options in kept if options["fields"]]


def autocomplete_source(request) -> tuple[str, str, str] | None:
    """(app_label, model_name, field_name) of the form field an autocomplete request is for."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != "autocomplete":
        return None
    get = request.GET
    return get.get("app_label", ""), get.get("model_name", ""), get.get("field_name", "")


class VersionCheckedForm(forms.ModelForm):
    """Refuses a stale write: the record changed since the user opened the form.

    ``Tracked.version`` grows on every save; the change form carries the version the user
    saw (see ``templates/admin/atlante/change_form.html``), read back as ``seen_version``.

    Where the admin writes through a domain action that takes the version, the action
    checks it under its own row lock and the form leaves it alone
    (``version_checked_by_action``): one check, in one place, under one lock. Otherwise
    the form checks it here with the row locked for the rest of the admin's transaction,
    so that no other save can slip in between the check and this one.
    """

    version_checked_by_action = False

    @property
    def seen_version(self) -> int | None:
        """The version the user opened (None for a new record or a form without it)."""
        seen = self.data.get(SEEN_VERSION, "") if self.is_bound else ""
        return int(seen) if seen.isdigit() else None

    def clean(self):
        cleaned = super().clean()
        seen = self.seen_version
        if self.version_checked_by_action or seen is None or self.instance._state.adding:
            return cleaned
        if getattr(self.instance, "version", None) is None:
            return cleaned
        current = self.instance.version
        model = type(self.instance)
        if transaction.get_connection(router.db_for_write(model)).in_atomic_block:
            # The admin's change view is one transaction: the lock holds until it commits.
            current = locked(model._base_manager.all(), self.instance.pk).version
        if seen != current:
            raise ValidationError(
                _(
                    "Someone else saved this record while you were editing it (version "
                    "%(current)s, you opened version %(seen)s). Reload the page and make "
                    "your changes again."
                ),
                code="stale",
                params={"current": current, "seen": seen},
            )
        return cleaned


# --- A domain action's refusal, shown on the form that was sent -------------------------

# Where the refusal of the current POST is kept on the request, for the second rendering.
REFUSAL_ATTR = "_atlante_refusal"


def refusal_for(error: ActionError, form: forms.BaseForm | None) -> ActionError:
    """Mark a refusal as belonging to ``form`` (an inline's form; None: the main form), so
    that it is shown on that form when the page is rendered again."""
    error.form_prefix = getattr(form, "prefix", None) if form is not None else None
    return error


def _refusing(form_class: type[forms.BaseForm], error: ActionError, aliases: dict) -> type:
    """``form_class`` that, once validated, carries ``error`` if it is the form the
    refusal belongs to (by its prefix). Nothing is written: it only adds errors. A
    message about a hidden field (e.g. an inline's parent) stands above the form."""
    prefix = getattr(error, "form_prefix", None)

    class RefusedForm(form_class):
        def full_clean(self):
            super().full_clean()
            if self.is_bound and self.prefix == prefix:
                hidden = {name: None for name, f in self.fields.items() if f.widget.is_hidden}
                add_errors(self, error, model=self._meta.model, aliases={**hidden, **aliases})

    RefusedForm.__name__ = form_class.__name__
    RefusedForm.__qualname__ = form_class.__qualname__
    return RefusedForm


class RelatedOnlyLightFilter(admin.RelatedOnlyFieldListFilter):
    """Only the related rows that occur in the (scoped) list, without their heavy columns."""

    def field_choices(self, field, request, model_admin):
        pk_qs = (
            model_admin.get_queryset(request)
            .order_by()
            .distinct()
            .values_list(f"{self.field_path}__pk", flat=True)
        )
        related = light(field.related_model._default_manager.filter(pk__in=pk_qs))
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            related = related.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in related]


class AtlanteModelAdmin(admin.ModelAdmin):
    """Base admin: joins what the list shows, never loads boundaries, shows the tracking
    fields read-only and refuses stale writes on versioned records.

    A domain action's refusal (``ActionError``) raised while saving — from ``save_model``,
    ``save_related`` or ``save_formset`` — shows on the form that was sent, as a form
    error by the field it names: everything the save wrote is rolled back (a savepoint),
    then the same POST is validated again with the refusal added to the form it belongs
    to (the main form, or the inline form marked by ``refusal_for``), so the page comes
    back with the user's input and the domain's message. ``refusal_aliases`` maps an
    action's field names to the main form's where they differ.
    """

    form = VersionCheckedForm
    change_form_template = "admin/atlante/change_form.html"
    # Django 6 changes URLField's default scheme from http to https: choose it now.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_select_related: tuple[str, ...] = ()
    # Columns of the joined rows that no page here shows (e.g. an encrypted identifier).
    defer_fields: tuple[str, ...] = ()
    list_per_page = 100
    # Action field name -> main form field name, for refusals shown on the change form.
    refusal_aliases: dict[str, str] = {}

    def optimise(self, queryset):
        related = tuple(self.list_select_related or ())
        if related:
            queryset = queryset.select_related(*related)
        deferred = [*heavy_paths(self.model, related), *self.defer_fields]
        return queryset.defer(*deferred) if deferred else queryset

    def get_queryset(self, request):
        return self.optimise(super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        record = super().get_object(request, object_id, from_field)
        if record is not None:
            log_access(request, [record], via="admin")
        return record

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The database has the last word under concurrency: its refusal (or another
        # ValidationError raised while saving) becomes a message, not a 500; the
        # transaction of the form has been rolled back by then. A domain action's refusal
        # never gets here: ``_changeform_view`` shows it on the form.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            message = _(
                "Not saved: the database refused the change (%(reason)s). Someone may have "
                "saved a conflicting record meanwhile: check and try again."
            ) % {"reason": reason}
        except ValidationError as error:
            message = _("Not saved: %(reason)s") % {"reason": " ".join(error.messages)}
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def _changeform_view(self, request, object_id, form_url, extra_context):
        if request.method != "POST" or getattr(request, REFUSAL_ATTR, None) is not None:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super()._changeform_view(request, object_id, form_url, extra_context)
        except ActionError as refusal:
            # Rolled back to before the save. The second pass only validates and renders:
            # the refused form is invalid now, so nothing is saved again.
            setattr(request, REFUSAL_ATTR, refusal)
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, REFUSAL_ATTR, None)
        return _refusing(form, refusal, self.refusal_aliases) if refusal is not None else form

    def get_formsets_with_inlines(self, request, obj=None):
        refusal = getattr(request, REFUSAL_ATTR, None)
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if refusal is not None and getattr(refusal, "form_prefix", None) is not None:
                formset.form = _refusing(formset.form, refusal, {})
            yield formset, inline

    def tracking_fields(self) -> list[str]:
        names = {field.name for field in self.model._meta.concrete_fields}
        return [name for name in TRACKING_FIELDS if name in names]

    def record_fieldset(self) -> tuple:
        return (_("Record"), {"fields": self.tracking_fields(), "classes": ["collapse"]})

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + [name for name in self.tracking_fields() if name not in readonly]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # Nothing to show about a record that does not exist yet.
            fieldsets = without_fields(fieldsets, self.tracking_fields())
        return fieldsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and getattr(obj, "version", None) is not None:
            # After a failed submit keep the version first seen, so the check still holds.
            context["seen_version"] = request.POST.get(SEEN_VERSION) or obj.version
        return super().render_change_form(request, context, add, change, form_url, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and _heavy_fields(db_field.related_model):
            queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)
            if queryset is None:
                queryset = db_field.related_model._default_manager.all()
            kwargs["queryset"] = light(queryset)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and _heavy_fields(db_field.related_model):
            queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)
            if queryset is None:
                queryset = db_field.related_model._default_manager.all()
            kwargs["queryset"] = light(queryset)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def boundary_summary(boundary) -> str:
    """A one-line description of a GeoJSON geometry instead of the geometry itself."""
    if not boundary:
        return _("no boundary")
    kind = boundary.get("type", "?") if isinstance(boundary, dict) else "?"

    def points(coordinates) -> int:
        if isinstance(coordinates, list | tuple):
            if coordinates and isinstance(coordinates[0], int | float):
                return 1
            return sum(points(item) for item in coordinates)
        return 0

    count = points(boundary.get("coordinates", [])) if isinstance(boundary, dict) else 0
    return _("%(kind)s, %(points)d points (GeoJSON, WGS84)") % {"kind": kind, "points": count}


@admin.register(MetropolitanCity)
class MetropolitanCityAdmin(AtlanteModelAdmin):
    list_display = [
        "name",
        "istat_code",
        "region",
        "municipality_count",
        "total_population",
        "zone_count",
    ]
    list_filter = ["region"]
    search_fields = ["name", "^istat_code", "region"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]

    def get_queryset(self, request):
        # One join for both figures: counting and summing the same rows cannot multiply.
        return (
            super()
            .get_queryset(request)
            .annotate(
                municipality_total=Count("municipalities"),
                population_total=Sum("municipalities__population"),
                zone_total=count_of(Zone, "metropolitan_city"),
            )
        )

    @admin.display(description=_("municipalities"), ordering="municipality_total")
    def municipality_count(self, obj) -> int:
        return obj.municipality_total

    @admin.display(description=_("population"), ordering="population_total")
    def total_population(self, obj) -> int:
        return obj.population_total or 0

    @admin.display(description=_("zones"), ordering="zone_total")
    def zone_count(self, obj) -> int:
        return obj.zone_total


@admin.register(Municipality)
class MunicipalityAdmin(AtlanteModelAdmin):
    list_display = [
        "name",
        "istat_code",
        "cadastral_code",
        "metropolitan_city",
        "population",
        "population_year",
    ]
    list_filter = ["metropolitan_city", "population_year"]
    list_select_related = ("metropolitan_city",)
    search_fields = ["name", "^istat_code", "=cadastral_code"]
    search_help_text = _("Name, ISTAT code or cadastral (Belfiore) code.")
    ordering = ["name"]
    readonly_fields = ["boundary_outline"]
    fieldsets = [
        (None, {"fields": ["name", "metropolitan_city", "istat_code", "cadastral_code"]}),
        (_("Population"), {"fields": ["population", "population_year"]}),
        (
            _("Geography"),
            {
                "fields": ["centroid_lat", "centroid_lon", "boundary_outline"],
                "classes": ["collapse"],
            },
        ),
    ]

    @admin.display(description=_("boundary"))
    def boundary_outline(self, obj) -> str:
        # The boundary is loaded from the ISTAT data (load_territory), not typed in here.
        return boundary_summary(obj.boundary) if obj and obj.pk else "-"


class ZoneForm(VersionCheckedForm):
    def clean(self):
        cleaned = super().clean()
        city = cleaned.get("metropolitan_city")
        parent = cleaned.get("parent_municipality")
        members = cleaned.get("municipalities")
        if parent is not None and members:
            self.add_error(
                "municipalities",
                _("A sub-municipal area has a parent municipality, not a list of them."),
            )
        if city is not None and parent is not None and parent.metropolitan_city_id != city.pk:
            self.add_error(
                "parent_municipality", _("The municipality is in another metropolitan city.")
            )
        if city is not None and members:
            outside = [m.name for m in members if m.metropolitan_city_id != city.pk]
            if outside:
                self.add_error(
                    "municipalities",
                    _("Not in this metropolitan city: %(names)s.") % {"names": ", ".join(outside)},
                )
        return cleaned


@admin.register(Zone)
class ZoneAdmin(AtlanteModelAdmin):
    form = ZoneForm
    list_display = [
        "name",
        "kind",
        "code",
        "metropolitan_city",
        "parent_municipality",
        "municipality_count",
        "zone_population",
    ]
    list_filter = ["kind", "metropolitan_city"]
    list_select_related = ("metropolitan_city", "parent_municipality")
    search_fields = ["name", "code"]
    autocomplete_fields = ["municipalities", "parent_municipality"]
    readonly_fields = ["boundary_outline"]
    fieldsets = [
        (None, {"fields": ["metropolitan_city", "kind", "code", "name"]}),
        (_("Made of municipalities"), {"fields": ["municipalities"]}),
        (
            _("Sub-municipal area"),
            {"fields": ["parent_municipality", "population", "population_year"]},
        ),
        (_("Geography"), {"fields": ["boundary_outline"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        through = Zone.municipalities.through
        members = through.objects.filter(zone=OuterRef("pk")).order_by().values("zone")
        population = members.annotate(s=Sum("municipality__population")).values("s")
        return (
            super()
            .get_queryset(request)
            .annotate(
                municipality_total=count_of(through, "zone"),
                population_total=Coalesce(
                    "population",
                    Subquery(population, output_field=IntegerField()),
                    output_field=IntegerField(),
                ),
            )
        )

    @admin.display(description=_("municipalities"), ordering="municipality_total")
    def municipality_count(self, obj) -> int:
        return obj.municipality_total

    @admin.display(description=_("population"), ordering="population_total")
    def zone_population(self, obj) -> int | None:
        return obj.population_total

    @admin.display(description=_("boundary"))
    def boundary_outline(self, obj) -> str:
        return boundary_summary(obj.boundary) if obj and obj.pk else "-"
