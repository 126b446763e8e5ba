"""What a student typed on an application (phone, email, major, …) flows back to the profile
on 提交, so that the next 报名 starts from it; what the directory supplied never changes."""

import pytest
from django.urls import reverse

from apps.accounts.models import PERSONAL_FIELDS, StudentProfile
from apps.applications import services
from apps.applications.models import Application
from tests.builders import COMPLETE, form_data
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

TYPED = {
    "phone": "13912345678",
    "email": "new-address@example.edu",
    "major": "数据科学",
    "enrollment_year": 2022,
    "name_en": "Zhang Xiaoming",
    "gender": "female",
    "degree_level": "master",
}


def edit_url(application):
    return reverse("applications:edit", args=[application.pk])


def profile_of(user):
    return StudentProfile.objects.get(user=user)


def test_submitting_copies_the_typed_details_to_the_profile(student, make_draft):
    draft = make_draft(**TYPED)

    services.submit_application(application=draft, user=student)

    profile = profile_of(student)
    for name, value in TYPED.items():
        assert getattr(profile, name) == value, name


def test_the_next_application_is_prefilled_from_what_was_submitted(student_client, make_draft):
    """Through the pages: 提交 on one form, then 报名 elsewhere shows the same details."""
    draft = make_draft()
    data = form_data(draft) | {"phone": "13700001111", "major": "人工智能", "action": "submit"}
    response = student_client.post(edit_url(draft), data)
    assert response.url == reverse("applications:detail", args=[draft.pk]), "submitted"

    other = ProgramFactory(region="hmt")
    response = student_client.post(reverse("applications:start", args=[other.pk]))
    second = Application.objects.get(student=draft.student, program=other)
    assert (second.phone, second.major) == ("13700001111", "人工智能")
    page = student_client.get(edit_url(second)).text
    assert 'value="13700001111"' in page and 'value="人工智能"' in page


def test_saving_a_draft_leaves_the_profile_alone(student_client, student, make_draft):
    """Only details the student stands by (提交) reach the profile; a draft may be a try."""
    draft = make_draft(complete=False)
    before = {name: getattr(profile_of(student), name) for name in PERSONAL_FIELDS}

    student_client.post(edit_url(draft), {"phone": "13700002222", "major": "哲学"})

    draft.refresh_from_db()
    assert (draft.phone, draft.major) == ("13700002222", "哲学")
    assert {name: getattr(profile_of(student), name) for name in PERSONAL_FIELDS} == before


def test_what_the_directory_supplied_is_never_overwritten(make_draft):
    profile = StudentProfileFactory(
        name="王五",
        school="数学学院",
        email="wangwu@dir.example.edu",
        ldap_fields=["name", "email"],
    )
    # Written straight to the row (as an old form or a script might): the service decides.
    draft = make_draft(
        owner=profile.user,
        name="Somebody Else",
        email="typed@example.edu",
        school="物理学院",
        phone="13600003333",
    )

    services.submit_application(application=draft, user=profile.user)

    profile.refresh_from_db()
    assert (profile.name, profile.email) == ("王五", "wangwu@dir.example.edu"), "locked"
    assert (profile.school, profile.phone) == ("物理学院", "13600003333"), "the rest flows back"


def test_a_student_without_a_profile_gets_one_on_submitting(django_user_model, make_draft):
    user = django_user_model.objects.create_user("2024000000099")
    draft = make_draft(owner=user)

    services.submit_application(application=draft, user=user)

    profile = profile_of(user)
    assert {name: getattr(profile, name) for name in PERSONAL_FIELDS} == {
        name: COMPLETE[name] for name in PERSONAL_FIELDS
    }


def test_a_refused_submission_changes_no_profile(student, make_draft):
    draft = make_draft(complete=False, phone="13500004444")

    with pytest.raises(services.ApplicationError):
        services.submit_application(application=draft, user=student)

    assert profile_of(student).phone != "13500004444"
