"""Model fields of the portal's own."""

from django.db import models

from .crypto import decrypt, encrypt


class EncryptedCharField(models.CharField):
    """A CharField stored as a Fernet token (a text column); Python sees plain text.

    `max_length` limits the plain text (forms, validation); the column holds the longer
    token. Equality lookups cannot work on ciphertext (each encryption differs), except
    against "", which is stored as is.
    """

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def cast_db_type(self, connection):
        return models.TextField().cast_db_type(connection)

    def from_db_value(self, value, expression, connection):
        return decrypt(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return encrypt(value)
