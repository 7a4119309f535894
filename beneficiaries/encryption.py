"""Encryption at rest of personal identifiers, and keyed hashes for exact look-up.

Built on ``cryptography``'s Fernet (AES-128-CBC + HMAC-SHA256) with ``MultiFernet`` for
key rotation. We do not use django-fernet-encrypted-fields: it derives its keys from
``SECRET_KEY`` (rotating the session secret would make personal data unreadable) and it
returns the ciphertext as if it were the value when decryption fails.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid key: {error}") from None


def cipher() -> MultiFernet:
    """The cipher for the configured keys: the first key encrypts, every key decrypts."""
    return _cipher(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from None


def identifier_hash(normalised_value: str) -> str:
    """Keyed hash (HMAC-SHA256, hex) of an already normalised identifier.

    The key is separate from the encryption keys so the hash cannot be recomputed by
    someone who only has a database dump.
    """
    key = settings.IDENTIFIER_HASH_KEY.encode()
    return hmac.new(key, normalised_value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text field stored as a Fernet token; reads decrypt, writes encrypt.

    Encrypted columns cannot be filtered or ordered on in the database: look up by a
    keyed-hash column instead.
    """

    def __init__(self, *args, **kwargs) -> None:
        self.plain_max_length = kwargs.pop("plain_max_length", None)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length is not None:
            kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name: str):
        # A Fernet token is randomised: an equality filter would silently match nothing.
        if lookup_name != "isnull":
            raise FieldError(
                f"Encrypted field '{self.name}' supports only 'isnull' look-ups; "
                "search by its keyed hash instead."
            )
        return super().get_lookup(lookup_name)

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
