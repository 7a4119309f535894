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
    """Strict input for a write whose change is a domain action: the serializer parses,
    its ``update`` calls the action (see ``VersionedUpdateMixin``)."""


class ActionUpdateMixin:
    """For a serializer whose ``update`` is a domain action: the action's arguments, as
    the requesting user, against the version the request names (If-Match or ``version``,
    in the context ``VersionedUpdateMixin`` gives); the action locks the row and checks
    it, and the view answers its refusal. ``update`` returns the action's saved record."""

    def action_arguments(self, validated_data: dict) -> dict:
        return {
            "acting_user": self.context["request"].user,
            VERSION_FIELD: self.context[VERSION_FIELD],
            **validated_data,
        }


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

    The serializer's ``update`` is a domain action: it takes the version the caller read
    from the serializer's context (``version``), and the action locks the row and checks
    it (``core.locking``); its refusal is answered here by kind (``domain_errors``)."""

    http_method_names = ("get", "post", "patch", "head", "options")

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = etag_of(instance)
        return response

    def partial_update(self, request, *args, **kwargs):
        expected = expected_version(request)
        if expected is None:
            raise PreconditionRequired
        with transaction.atomic():
            instance = self.get_object()
            context = {**self.get_serializer_context(), VERSION_FIELD: expected}
            serializer = self.get_serializer(
                instance, data=request.data, partial=True, context=context
            )
            serializer.is_valid(raise_exception=True)
            with domain_errors(type(instance)):
                instance = serializer.save()
        response = Response(serializer.data)
        response["ETag"] = etag_of(instance)
        return response
