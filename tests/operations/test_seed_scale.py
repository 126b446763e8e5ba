"""seed_scale: university-scale data for the benchmark, made small here."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from pypdf import PdfReader

from apps.applications.models import AdmissionResult, Application, Status
from apps.attachments.models import Attachment, AttachmentKind
from apps.operations import scale
from apps.programs.models import Program, Region
from apps.scores.models import ScoreSupplement
from apps.summaries.models import ReturnSummary

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("office_groups")]

SIZES = {"students": 150, "programs": 30, "applications": 450}


@pytest.fixture
def seeded(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_scale", **SIZES, password="bench-secret-1", stdout=None, stderr=None)
    return settings.MEDIA_ROOT


def test_it_makes_the_sizes_asked_for_in_both_tracks(seeded):
    assert Program.objects.count() == 30
    assert set(Program.objects.values_list("region", flat=True)) == set(Region.values)
    assert get_user_model().objects.filter(username__startswith="99").count() == 150
    assert Application.objects.count() == 450
    assert not Application.objects.values("student", "program").order_by().distinct().count() < 450


def test_every_status_and_result_and_both_score_cases_are_there(seeded):
    assert set(Application.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Application.objects.values_list("admission_result", flat=True)) == set(
        AdmissionResult.values
    )
    printable = Application.objects.filter(status__in=[Status.SUBMITTED, Status.APPROVED])
    assert printable.filter(language_score=None).exists(), "scores left for 补录"
    supplemented = ScoreSupplement.objects.select_related("application")
    assert supplemented.exists()
    assert all(s.application.language_score == s.score for s in supplemented)
    assert ReturnSummary.objects.filter(submitted_at__isnull=False).exists()


def test_submitted_applications_have_three_real_files_and_a_consistent_history(seeded):
    sent = Application.objects.exclude(status=Status.DRAFT).prefetch_related(
        "attachments", "events"
    )
    for application in sent[:40]:
        kinds = [a.kind for a in application.attachments.all()]
        for kind in (AttachmentKind.TRANSCRIPT, AttachmentKind.ENROLLMENT):
            assert kinds.count(kind) == 1
        assert kinds.count(AttachmentKind.LANGUAGE) == 1
        moves = [(e.from_value, e.to_value) for e in application.events.all() if e.kind == "status"]
        assert moves[:2] == [("", Status.DRAFT), (Status.DRAFT, Status.SUBMITTED)]
        assert moves[-1][1] == application.status
    pdf = Attachment.objects.filter(content_type="application/pdf").first()
    path = seeded / pdf.file.name
    assert path.stat().st_size == pdf.size
    assert len(PdfReader(path).pages) == 1
    assert not Application.objects.filter(status=Status.DRAFT, attachments__isnull=False).exists()


def test_the_accounts_sign_in_with_the_password_given(seeded):
    for username in ["scale_intl_clerk", "scale_hmt_clerk", "scale_admin", "99" + "0" * 11]:
        request = RequestFactory().post("/accounts/login/")  # as the login page does (axes)
        assert authenticate(request, username=username, password="bench-secret-1") is not None
    clerk = get_user_model().objects.get(username="scale_hmt_clerk")
    assert clerk.is_staff and clerk.groups.get().name == "港澳台事务办公室"


def test_a_second_run_with_the_same_sizes_does_nothing(seeded, capsys):
    call_command("seed_scale", **SIZES, password="bench-secret-1")
    assert "Already seeded" in capsys.readouterr().out
    assert Application.objects.count() == 450


def test_other_sizes_or_other_data_need_reset(seeded, settings):
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_scale", students=10, programs=5, applications=10)
    Program.objects.create(
        region=Region.HMT,
        title="真实项目",
        partner="香港大学",
        country="中国香港",
        opens_at="2026-01-01T00:00Z",
        closes_at="2026-02-01T00:00Z",
        start_date="2026-03-01",
        end_date="2026-06-01",
    )
    with pytest.raises(CommandError, match="did not make"):
        call_command("seed_scale", **SIZES)
    call_command("seed_scale", students=10, programs=5, applications=12, reset=True, stderr=None)
    assert Program.objects.count() == 5 and Application.objects.count() == 12
    assert not Program.objects.filter(title="真实项目").exists()
    assert not (seeded / "attachments").exists() or all(
        int(d.name) in set(Application.objects.values_list("pk", flat=True))
        for d in (seeded / "attachments").iterdir()
    )


def test_it_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_scale", students=1, programs=1, applications=0)


def test_the_files_are_hard_links_of_a_few_originals(seeded):
    originals = list((seeded / "seed_scale").iterdir())
    assert len(originals) == 2 * scale.ORIGINALS_PER_KIND
    assert sum(p.stat().st_nlink for p in originals) - len(originals) == Attachment.objects.count()


def test_with_s3_the_files_are_uploaded_to_the_bucket(settings, tmp_path, s3_storage, moto_s3):
    settings.DEBUG = True
    call_command("seed_scale", students=10, programs=5, applications=20, stdout=None, stderr=None)
    attachments = list(Attachment.objects.order_by("pk"))
    assert attachments and moto_s3.keys(s3_storage) == sorted(a.file.name for a in attachments)
    with attachments[0].file.open("rb") as handle:
        assert len(handle.read()) == attachments[0].size
    assert not (tmp_path / "media").exists()

    call_command("seed_scale", students=10, programs=5, applications=20, reset=True, stderr=None)
    assert moto_s3.keys(s3_storage) == sorted(a.file.name for a in Attachment.objects.all())
