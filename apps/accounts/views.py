from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import calendar_feeds, cas, user_cache
from .forms import PortalLoginForm, ProfileForm
from .models import CalendarFeed, StudentProfile


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = PortalLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # With CAS on, 统一身份认证登录 is the main button; the form stays for local accounts.
        return {**super().get_context_data(**kwargs), **cas.login_page_context()}


@require_POST
def logout(request):
    """退出: a CAS sign-in also ends the CAS session (single sign-out), else Django's."""
    if cas.cas_enabled() and cas.signed_in_with_cas(request):
        return cas.logout(request)
    return auth_views.LogoutView.as_view()(request)


@login_required
def profile(request):
    profile, _created = StudentProfile.objects.get_or_create(user=request.user)
    # An empty POST is still a submission (`request.POST or None` would show the page
    # again without a word).
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("个人信息已保存。"))
        return redirect("accounts:profile")
    return _profile_page(request, form, profile)


def _profile_page(request, form, profile, new_token=None):
    feed = CalendarFeed.objects.filter(user=request.user).first()
    context = {"form": form, "profile": profile, "calendar_feed": feed}
    if new_token:
        # The feed's page is named as a string: it lives on the applications' floor.
        url = settings.PORTAL_BASE_URL + reverse("applications:calendar_feed", args=[new_token])
        context["calendar_url"] = url
        context["calendar_webcal"] = "webcal://" + url.split("://", 1)[1]
    return render(request, "accounts/profile.html", context)


@never_cache  # the page holds the secret address: not kept by any cache, the browser's too
@login_required
@require_POST
def calendar_feed_issue(request):
    """生成订阅链接 / 重新生成: a new secret address (the old one stops working), shown in
    this response only: only its hash is kept, so it is written nowhere, not even in the
    session. Reloading the page asks to post again, which makes yet another address."""
    token = calendar_feeds.issue(request.user)
    profile, _created = StudentProfile.objects.get_or_create(user=request.user)
    return _profile_page(request, ProfileForm(instance=profile), profile, new_token=token)


@login_required
@require_POST
def calendar_feed_revoke(request):
    """停用订阅链接: the address gives 404 from now on."""
    if calendar_feeds.revoke(request.user):
        messages.success(request, _("日历订阅链接已停用，原链接不再显示你的日程。"))
    return redirect("accounts:profile")


def set_language(request):
    """Django's language switch, also remembered on the profile so that emails match."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        StudentProfile.objects.filter(user=request.user).update(language=language)
        user_cache.forget([request.user.pk])
    return response
