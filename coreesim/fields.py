"""Model fields that store secrets encrypted (see ``coreesim.crypto``)."""

from __future__ import annotations

from typing import Any

from django.db import models

from coreesim import crypto
from coreesim.secrets import Secret


class EncryptedTextField(models.TextField):
    """A text column holding AES-GCM ciphertext; Python code sees a ``Secret``.

    Encrypted columns cannot be searched or indexed by their plain value: keep a lookup key
    (ICCID, a hash) in an ordinary column beside it when one is needed.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.attname}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Secret | None:
        if value is None:
            return None
        return Secret(crypto.decrypt(value, context=self.context))

    def to_python(self, value: Any) -> Secret | None:
        if value is None or isinstance(value, Secret):
            return value
        return Secret(str(value))

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        plain = value.reveal() if isinstance(value, Secret) else str(value)
        return crypto.encrypt(plain, context=self.context)

    def value_to_string(self, obj: models.Model) -> str:
        """Serialisation (dumpdata) keeps the ciphertext, never the plain value."""
        value = self.value_from_object(obj)
        return "" if value is None else self.get_prep_value(value) or ""


def encrypted_fields() -> list[EncryptedTextField]:
    """Every encrypted column of every installed model, for key rotation."""
    from django.apps import apps

    return [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
