from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from apps.core.forms import KeepUnsentFieldsMixin

from .helpdesk import contact_message
from .models import PERSONAL_FIELDS, StudentProfile


class PortalLoginForm(AuthenticationForm):
    """学号 + 统一身份认证密码, with a directory outage told apart from a wrong password."""

    error_messages = {
        "invalid_login": _("学号或密码错误。请使用统一身份认证密码登录。"),
        "inactive": contact_message(gettext_noop("该账户已被停用，请联系%(contact)s。")),
        "directory_unavailable": _("统一身份认证服务暂时无法连接，请稍后再试。"),
        "directory_error": contact_message(
            gettext_noop(
                "统一身份认证服务未能完成登录，请稍后再试；如果问题持续，请联系%(contact)s。"
            )
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("学号")
        # AuthenticationForm sets max_length after the field is built, which adds no
        # validator: an over-long name would reach the backends and the lockout's records.
        max_length = self.fields["username"].max_length
        self.fields["username"].validators.append(MaxLengthValidator(max_length))
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].label = _("统一身份认证密码")
        if "cas" in settings.AUTH_METHODS:
            # 统一身份认证登录 is the main way in; this form is the second one.
            if "ldap" not in settings.AUTH_METHODS:
                self.fields["username"].label = _("用户名")
                self.fields["password"].label = _("密码")
        else:
            self.fields["username"].widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False

    def get_invalid_login_error(self):
        problem = getattr(self.request, "ldap_problem", None)
        if problem is not None:
            code = f"directory_{problem}"
            return forms.ValidationError(self.error_messages[code], code=code)
        return super().get_invalid_login_error()


class ProfileForm(KeepUnsentFieldsMixin, forms.ModelForm):
    """The student's own details; what the directory or the roster supplied is shown but locked. A
    field the client did not send is left as saved."""

    class Meta:
        model = StudentProfile
        fields = PERSONAL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.instance.locked_fields:
            if name in self.fields:
                self.fields[name].disabled = True
        self.fields["enrollment_year"].widget.attrs["placeholder"] = _("例如 %(year)s") % {
            "year": timezone.now().year - 1
        }
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        return self.keep_unsent(super().clean())
