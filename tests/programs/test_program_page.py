import pytest
from django.urls import reverse

from apps.programs.models import Region
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def apply_url(program):
    return reverse("applications:start", args=[program.pk])


def test_open_program_shows_everything_and_the_apply_button(student_client):
    program = ProgramFactory(
        title="东京大学本科生交换项目",
        partner="东京大学",
        description="项目介绍正文",
        eligibility="全日制在读本科生",
        language_requirement="雅思 6.5",
        quota=3,
        contact="027-0000",
    )
    response = student_client.get(program.get_absolute_url())
    assert response.status_code == 200
    for text in [
        "项目信息",
        "东京大学本科生交换项目",
        "项目介绍正文",
        "全日制在读本科生",
        "雅思 6.5",
        "027-0000",
        "报名中",
    ]:
        assert text in response.text
    assert apply_url(program) in response.text


@pytest.mark.parametrize(
    "traits, state_label, hint",
    [
        ({"closed": True}, "停止报名", "该项目已停止报名"),
        ({"upcoming": True}, "未开始", "报名尚未开始"),
    ],
)
def test_program_outside_its_window_can_be_viewed_without_apply_button(
    student_client, traits, state_label, hint
):
    program = ProgramFactory(**traits)
    response = student_client.get(program.get_absolute_url())
    assert response.status_code == 200
    assert state_label in response.text
    assert hint in response.text
    assert apply_url(program) not in response.text


def test_unpublished_program_is_404(student_client):
    program = ProgramFactory(is_published=False)
    assert student_client.get(program.get_absolute_url()).status_code == 404


def test_program_under_the_other_tracks_url_is_404(student_client):
    program = ProgramFactory(region=Region.HMT)
    url = reverse("programs:detail", args=["international", program.pk])
    assert student_client.get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_login(client):
    program = ProgramFactory()
    response = client.get(program.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_hmt_program_page_uses_the_hmt_words(student_client):
    program = ProgramFactory(region=Region.HMT)
    response = student_client.get(program.get_absolute_url())
    assert "校际交流项目（港澳台）" in response.text


@pytest.mark.parametrize(
    "traits, message", [({"closed": True}, "已停止报名"), ({"upcoming": True}, "尚未开始")]
)
def test_apply_url_refuses_a_program_outside_its_window(student_client, traits, message):
    program = ProgramFactory(**traits)
    response = student_client.post(apply_url(program), follow=True)
    assert response.redirect_chain[-1][0] == program.get_absolute_url()
    assert message in response.text


def test_apply_url_of_an_unpublished_program_is_404(student_client):
    assert student_client.post(apply_url(ProgramFactory(is_published=False))).status_code == 404
