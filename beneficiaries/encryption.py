"""Encryption at rest of personal data, and keyed hashes for exact look-up.

Built on ``cryptography``'s Fernet (AES-128-CBC + HMAC-SHA256) with ``MultiFernet`` for
key rotation. We do not use django-fernet-encrypted-fields: it derives its keys from
``SECRET_KEY`` (rotating the session secret would make personal data unreadable) and it
returns the ciphertext as if it were the value when decryption fails.

Every encrypted field is an ``EncryptedField`` (text, date, boolean): ``manage.py
reencrypt`` finds them all through that class, and rewrites their tokens with the newest
key (``rotate``).
"""

import datetime
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models.lookups import Exact
from django.utils.module_loading import import_string
from django.utils.translation import gettext


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _ciphers(keys: tuple[str, ...]) -> tuple[MultiFernet, tuple[Fernet, ...]]:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        fernets = tuple(Fernet(key.encode()) for key in keys)
    except ValueError as error:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid key: {error}") from None
    return MultiFernet(fernets), fernets


def _configured() -> tuple[MultiFernet, tuple[Fernet, ...]]:
    return _ciphers(tuple(settings.FIELD_ENCRYPTION_KEYS))


def cipher() -> MultiFernet:
    """The cipher for the configured keys: the first key encrypts, every key decrypts."""
    return _configured()[0]


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        # A token is ASCII; anything else (e.g. text stored in clear) is not one.
        return cipher().decrypt(token.encode("ascii", errors="replace")).decode()
    except InvalidToken:
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from None


def key_index(token: str) -> int:
    """The position in FIELD_ENCRYPTION_KEYS of the key that decrypts the token (0: the
    newest). Raises ``DecryptionError`` when none does."""
    raw = token.encode("ascii", errors="replace")
    for index, fernet in enumerate(_configured()[1]):
        try:
            fernet.decrypt(raw)
        except InvalidToken:
            continue
        return index
    raise DecryptionError("stored value cannot be decrypted with the configured keys")


def rotate(token: str) -> str:
    """The token encrypted again with the newest key (``MultiFernet.rotate``: same value,
    same timestamp). Raises ``DecryptionError`` when no configured key decrypts it."""
    try:
        return cipher().rotate(token.encode("ascii", errors="replace")).decode("ascii")
    except InvalidToken:
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from None


def identifier_hash(normalised_value: str) -> str:
    """Keyed hash (HMAC-SHA256, hex) of an already normalised identifier.

    The key is separate from the encryption keys so the hash cannot be recomputed by
    someone who only has a database dump.
    """
    key = settings.IDENTIFIER_HASH_KEY.encode()
    return hmac.new(key, normalised_value.encode(), hashlib.sha256).hexdigest()


def iso_date(value: datetime.date | str) -> str:
    """A date as the ISO text that its keyed hash is taken of."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return datetime.date.fromisoformat(str(value).strip()).isoformat()


class _EmptyOnlyExact(Exact):
    """``field=""`` on an encrypted text field: an empty value is stored as "" and any other
    value as a non-empty token, so emptiness is the one comparison SQL can make (e.g. the
    check constraint "a declined referral has a reason")."""

    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression") or self.rhs != "":
            raise FieldError(
                f"Encrypted field '{self.lhs.output_field.name}' can be compared only with "
                '"" in the database; search by its keyed hash instead.'
            )
        return super().get_prep_lookup()


class EncryptedField:
    """What every encrypted field shares: the column holds a Fernet token of the value's
    text form (``to_plain`` / ``from_plain``); "" and NULL are stored as they are.

    The database sees tokens only: a randomised token cannot be filtered, compared or
    ordered on, so look-ups other than ``isnull`` are refused (search by a keyed-hash
    column instead) and so are transforms (``__year``...).
    """

    # Whether ``field=""`` may be asked in SQL (text fields, where "" is stored as "").
    empty_lookup = False

    def get_internal_type(self) -> str:
        return "TextField"

    def to_plain(self, value) -> str:
        return str(value)

    def from_plain(self, text: str):
        return text

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(self.to_plain(value))

    def get_db_prep_value(self, value, connection, prepared=False):
        # Not the parent's: a date or boolean adapter must not see the token.
        return value if prepared else self.get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return self.from_plain(decrypt(value))

    def get_lookup(self, lookup_name: str):
        # A Fernet token is randomised: an equality filter would silently match nothing.
        if lookup_name == "exact" and self.empty_lookup:
            return _EmptyOnlyExact
        if lookup_name != "isnull":
            raise FieldError(
                f"Encrypted field '{self.name}' supports only 'isnull' look-ups; "
                "search by its keyed hash instead."
            )
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str):
        raise FieldError(
            f"Encrypted field '{self.name}' cannot be transformed ('{lookup_name}') in the "
            "database."
        )


class EncryptedTextField(EncryptedField, models.TextField):
    """A text field stored as a Fernet token; reads decrypt, writes encrypt.

    Encrypted columns cannot be filtered or ordered on in the database: look up by a
    keyed-hash column instead.
    """

    empty_lookup = True

    def __init__(self, *args, **kwargs) -> None:
        self.plain_max_length = kwargs.pop("plain_max_length", None)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length is not None:
            kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        kwargs.setdefault("max_length", self.plain_max_length)
        return super().formfield(**kwargs)

    def run_validators(self, value) -> None:
        super().run_validators(value)
        if self.plain_max_length and value and len(value) > self.plain_max_length:
            raise ValidationError(
                gettext("Ensure this value has at most %(limit)d characters (it has %(length)d).")
                % {"limit": self.plain_max_length, "length": len(value)},
                code="max_length",
            )


class EncryptedDateField(EncryptedField, models.DateField):
    """A date stored as a Fernet token of its ISO text; reads give a ``datetime.date``.

    Forms, the admin and the API treat it as a date field. Searching or ordering by it in
    SQL is impossible: keep a coarse or keyed-hash column beside it for that
    (``YearOfField``, ``KeyedHashField``)."""

    def to_plain(self, value: datetime.date) -> str:
        return value.isoformat()

    def from_plain(self, text: str) -> datetime.date:
        return datetime.date.fromisoformat(text)


class EncryptedBooleanField(EncryptedField, models.BooleanField):
    """A flag stored as a Fernet token of "1" or "0": both tokens have the same length, so
    the stored value does not tell a set flag from an unset one. Forms, the admin and the
    API treat it as a boolean field; it cannot be filtered on in SQL."""

    def to_plain(self, value: bool) -> str:
        return "1" if value else "0"

    def from_plain(self, text: str) -> bool:
        try:
            return {"1": True, "0": False}[text]
        except KeyError:
            raise DecryptionError("stored flag is neither 1 nor 0") from None


class KeyedHashField(models.CharField):
    """The keyed hash of another field's normalised value, kept in step on every save.

    Computed in ``pre_save`` so that ``save()`` and ``bulk_create()`` alike store it;
    ``QuerySet.update()`` of the source field is refused by the model's queryset.
    """

    def __init__(self, *args, source: str, normalise: str, **kwargs) -> None:
        self.source, self.normalise = source, normalise
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, normalise=self.normalise)
        if kwargs.get("max_length") == 64:
            del kwargs["max_length"]
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def hash_of(self, raw: str | None) -> str | None:
        """The stored hash of a source value (None when there is none)."""
        if not raw:
            return None
        return identifier_hash(import_string(self.normalise)(raw))

    def pre_save(self, model_instance, add):
        value = self.hash_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


class YearOfField(models.PositiveSmallIntegerField):
    """The year of another (encrypted) date field, kept in step on every save.

    Computed in ``pre_save`` so that ``save()`` and ``bulk_create()`` alike store it;
    ``QuerySet.update()`` of the source field is refused by the model's queryset.
    """

    def __init__(self, *args, source: str, **kwargs) -> None:
        self.source = source
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        raw = getattr(model_instance, self.source)
        day = model_instance._meta.get_field(self.source).to_python(raw)
        value = day.year if day else None
        setattr(model_instance, self.attname, value)
        return value
