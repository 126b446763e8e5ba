"""Small pieces shared by the portal's forms."""


class KeepUnsentFieldsMixin:
    """A field the client did not send keeps its saved value.

    Browsers send every field of a form; an old tab, a script or a forged request may
    send a few. Without this, a ModelForm takes a missing field for an emptied one and
    blanks what was saved. Call `keep_unsent(cleaned_data)` from `clean()`.
    """

    def keep_unsent(self, data):
        for name, field in self.fields.items():
            if name in data and not field.disabled and self.add_prefix(name) not in self.data:
                data[name] = getattr(self.instance, name)
        return data
