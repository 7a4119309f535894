"""How the API writes: strict input, model rules with field-level messages, atomic saves,
and optimistic concurrency (a stale version gets 412, never a silent overwrite)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response

from core.errors import CONFLICT, FORBIDDEN, STALE, kind_of
from core.forms import errors_by_field
from core.locking import check_version

VERSION_FIELD = "version"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("Someone else changed this record since you read it: read it again.")
    default_code = "stale_version"


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Say which version you are changing: an If-Match header with the ETag, or version."
    )
    default_code = "version_required"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def etag_of(instance) -> str:
    return f'"{instance.version}"'


def as_drf_errors(error: DjangoValidationError, model=None) -> dict:
    """A refusal as DRF errors, by field (``core.forms.errors_by_field``, the one mapper):
    whole-record errors under DRF's ``non_field_errors``."""
    return {
        "non_field_errors" if name == NON_FIELD_ERRORS else name: messages
        for name, messages in errors_by_field(error, model).items()
    }


@contextmanager
def domain_errors(model=None) -> Iterator[None]:
    """A domain action's or the database's refusal as a 400, 403, 409 or 412 answer (by the
    refusal's kind: invalid, forbidden, conflict, stale), with the messages by field (e.g.
    ``{"status": ["Only the receiving service can make this change."]}``); never a 500."""
    try:
        yield
    except DjangoValidationError as error:
        errors = as_drf_errors(error, model)
        answer = {
            FORBIDDEN: PermissionDenied,
            CONFLICT: Conflict,
            STALE: PreconditionFailed,
        }.get(kind_of(error), ValidationError)
        raise answer(errors) from None
    except IntegrityError as error:
        # The database's own rules (triggers, exclusion constraints) under concurrency.
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise Conflict(reason or _("The database refused this change.")) from None


class StrictFieldsMixin:
    """Refuses fields it does not know (400 naming them) and read-only fields, rather than
    silently ignoring a partner's typo; ``version`` is accepted as the precondition."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for name in data:
                field = self.fields.get(name)
                if name == VERSION_FIELD:
                    continue
                if field is None:
                    errors[name] = [_("Unknown field.")]
                elif field.read_only:
                    errors[name] = [_("This field is read-only.")]
            if errors:
                raise ValidationError(errors)
            data = {name: value for name, value in data.items() if name != VERSION_FIELD}
        return super().to_internal_value(data)


class StrictInputSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Strict input, and the model's rules (validators, check and unique constraints) with
    field-level messages before saving, atomically."""

    def checked_save(self, instance, validated_data: dict):
        many = {
            name: validated_data.pop(name)
            for name in list(validated_data)
            if isinstance(self.fields[name], serializers.ManyRelatedField)
        }
        for name, value in validated_data.items():
            setattr(instance, name, value)
        with domain_errors(type(instance)), transaction.atomic():
            instance.full_clean()
            instance.save()
            for name, value in many.items():
                getattr(instance, name).set(value)
        return instance

    def create(self, validated_data):
        return self.checked_save(self.Meta.model(), validated_data)

    def update(self, instance, validated_data):
        return self.checked_save(instance, validated_data)


def expected_version(request) -> int | None:
    """The version the caller read: from ``If-Match`` (the ETag) or the body's ``version``."""
    header = request.headers.get("If-Match")
    body = request.data.get(VERSION_FIELD) if isinstance(request.data, Mapping) else None
    for raw, field in ((header, "If-Match"), (body, VERSION_FIELD)):
        if raw is None:
            continue
        text = str(raw).strip().removeprefix("W/").strip('"')
        if isinstance(raw, bool) or not text.isascii() or not text.isdigit():
            raise ValidationError({field: [_("Give the version as a whole number.")]})
        return int(text)
    return None


class VersionedUpdateMixin:
    """PATCH only, against the version the caller read (428 without one, 412 when stale);
    every read of one record carries its version as an ETag.

    A serializer that writes through a domain action says so (``action_checks_version``):
    it passes the version (``expected_version(request)``) to the action as ``version=``,
    and the action locks the row and checks it. Otherwise the record is read here under a
    row lock and checked with the same helper (``core.locking.check_version``) before the
    serializer saves it."""

    http_method_names = ("get", "post", "patch", "head", "options")

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = etag_of(instance)
        return response

    def action_checks_version(self) -> bool:
        return getattr(self.get_serializer_class(), "action_checks_version", False)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "partial_update" and not self.action_checks_version():
            # The record a PATCH changes is read under a row lock (get_object runs inside
            # the update's transaction), so the version compared is the one overwritten.
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    def partial_update(self, request, *args, **kwargs):
        expected = expected_version(request)
        if expected is None:
            raise PreconditionRequired
        with transaction.atomic():
            instance = self.get_object()
            if not self.action_checks_version():
                with domain_errors(type(instance)):
                    check_version(instance, expected)
            serializer = self.get_serializer(instance, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            with domain_errors(type(instance)):
                instance = serializer.save()
        response = Response(serializer.data)
        response["ETag"] = etag_of(instance)
        return response
