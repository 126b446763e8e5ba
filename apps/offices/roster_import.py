"""The registrar's roster in admin: upload → preview → confirm, the administrator's alone.

The rows read from the file wait between preview and confirm in the cache (a whole
university is too big for a hidden form field), under a random key that is signed for
the administrator who uploaded it; the file itself is never stored.
"""

import json
import secrets
import zlib

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts import roster

TOKEN_SALT = "accounts.roster-import"
TOKEN_MAX_AGE = 3600
# Rows of each kind the preview lists; the counts above them are always complete.
LISTED = 200
EXCEL_BOM = "\ufeff"
ROSTER_PERMISSIONS = [
    "auth.add_user",
    "accounts.add_studentprofile",
    "accounts.change_studentprofile",
]


class RosterImportForm(forms.Form):
    file = forms.FileField(
        allow_empty_file=True,  # parse_roster says "文件是空的" in its own words
        label=gettext_lazy("学籍名单文件"),
        help_text=gettext_lazy("CSV（UTF-8 或 GBK 编码）或 Excel（.xlsx）文件。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv", "aria-describedby": "id_file_helptext"}
        ),
    )


def _store_rows(rows, user):
    key = secrets.token_urlsafe(16)
    payload = DjangoJSONEncoder().encode([row.as_list() for row in rows]).encode()
    cache.set(f"roster-import:{user.pk}:{key}", zlib.compress(payload), TOKEN_MAX_AGE)
    return signing.dumps(key, salt=f"{TOKEN_SALT}:{user.pk}")


def _load_rows(token, user):
    """The rows of a preview, or BadSignature when expired, foreign or gone."""
    key = signing.loads(token, salt=f"{TOKEN_SALT}:{user.pk}", max_age=TOKEN_MAX_AGE)
    payload = cache.get(f"roster-import:{user.pk}:{key}")
    if payload is None:
        raise signing.BadSignature("preview gone")
    return [roster.RosterRow.from_list(v) for v in json.loads(zlib.decompress(payload))]


def _forget_rows(token, user):
    key = signing.loads(token, salt=f"{TOKEN_SALT}:{user.pk}", max_age=TOKEN_MAX_AGE)
    cache.delete(f"roster-import:{user.pk}:{key}")


class RosterImportAdminMixin:
    """学籍名单导入 for StudentProfileAdmin; every hook calls super()."""

    def has_roster_permission(self, request):
        return request.user.is_active and request.user.has_perms(ROSTER_PERMISSIONS)

    def _roster_url(self, name):
        return reverse(f"admin:accounts_studentprofile_{name}")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "roster/import/",
                wrap(self.roster_import_view),
                name="accounts_studentprofile_roster_import",
            ),
            path(
                "roster/confirm/",
                wrap(require_POST(self.roster_confirm_view)),
                name="accounts_studentprofile_roster_confirm",
            ),
            path(
                "roster/template.csv",
                wrap(self.roster_template_view),
                name="accounts_studentprofile_roster_template",
            ),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if self.has_roster_permission(request):
            extra_context["roster_import_url"] = self._roster_url("roster_import")
        return super().changelist_view(request, extra_context)

    def _roster_context(self, request, title):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "import_url": self._roster_url("roster_import"),
        }

    def _roster_import_page(self, request, form):
        if form.errors.get("file"):
            # The reason is read with the field (the template's id_file_error).
            form.fields["file"].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": "id_file_error id_file_helptext"}
            )
        context = {
            **self._roster_context(request, _("导入学籍名单")),
            "form": form,
            "template_url": self._roster_url("roster_template"),
            "max_rows": settings.ROSTER_IMPORT_MAX_ROWS,
            "columns": roster.template_header(),
        }
        return TemplateResponse(
            request, "admin/accounts/studentprofile/roster_import.html", context
        )

    def _roster_preview_page(self, request, preview, token):
        context = {
            **self._roster_context(request, _("确认导入学籍名单")),
            "preview": preview,
            "counts": preview.counts(),
            "sections": preview.sections(limit=LISTED),
            "token": token,
            "confirm_url": self._roster_url("roster_confirm"),
        }
        return TemplateResponse(
            request, "admin/accounts/studentprofile/roster_preview.html", context
        )

    def roster_import_view(self, request):
        if not self.has_roster_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return self._roster_import_page(request, RosterImportForm())
        form = RosterImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._roster_import_page(request, form)
        upload = form.cleaned_data["file"]
        try:
            roster.check_size(upload.size)  # before reading it
            rows = roster.parse_roster(upload.read())
        except roster.RosterFileError as error:
            form.add_error("file", error.message)
            return self._roster_import_page(request, form)
        preview = roster.build_preview(rows)
        return self._roster_preview_page(request, preview, _store_rows(rows, request.user))

    def roster_confirm_view(self, request):
        if not self.has_roster_permission(request):
            raise PermissionDenied
        token = request.POST.get("token", "")
        try:
            rows = _load_rows(token, request.user)
        except signing.BadSignature:
            self.message_user(request, _("预览已过期或无效，请重新上传文件。"), "error")
            return redirect(self._roster_url("roster_import"))
        try:
            preview = roster.import_roster(rows=rows, actor=request.user)
        except roster.RosterRefused as refused:
            self.message_user(request, refused.message, "error")
            return self._roster_preview_page(request, refused.preview, token)
        except roster.RosterConflict as conflict:
            self.message_user(request, conflict.message, "error")
            return redirect(self._roster_url("roster_import"))
        _forget_rows(token, request.user)
        counts = preview.counts()
        self.message_user(
            request,
            _("学籍名单已导入：新建 %(new)s 名学生，更改 %(changed)s 名，%(unchanged)s 名无变化。")
            % counts,
            "success",
        )
        return redirect(reverse("admin:accounts_studentprofile_changelist"))

    def roster_template_view(self, request):
        if not self.has_roster_permission(request):
            raise PermissionDenied
        response = HttpResponse(
            EXCEL_BOM + ",".join(roster.template_header()) + "\r\n",
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(True, _("学籍名单模板.csv"))
        return response
