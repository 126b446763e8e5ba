import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.attachments.models import Attachment, AttachmentKind
from apps.programs.models import Region
from tests.factories import ApplicationFactory, ProgramFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.s3]


def make_attachment(application, kind=AttachmentKind.TRANSCRIPT, name="成绩单.pdf"):
    attachment = Attachment(
        application=application,
        kind=kind,
        original_name=name,
        size=9,
        content_type="application/pdf",
    )
    attachment.file.save(name, ContentFile(b"%PDF-1.4\n"), save=True)
    return attachment


def test_files_get_a_generated_name_and_keep_the_original_in_a_column():
    attachment = make_attachment(ApplicationFactory(), name="../../etc/passwd 成绩单.pdf")
    assert attachment.original_name == "../../etc/passwd 成绩单.pdf"
    assert "成绩单" not in attachment.file.name and ".." not in attachment.file.name
    assert attachment.file.name.startswith(f"attachments/{attachment.application_id}/")


def test_private_files_have_no_public_url():
    attachment = make_attachment(ApplicationFactory())
    with pytest.raises(NotImplementedError):
        attachment.file.url  # noqa: B018


def test_the_file_is_deleted_with_its_row():
    attachment = make_attachment(ApplicationFactory())
    name = attachment.file.name
    assert default_storage.exists(name)
    attachment.delete()
    assert not default_storage.exists(name)


def test_summary_attachment_label_follows_the_track():
    hmt = ApplicationFactory(program=ProgramFactory(region=Region.HMT))
    intl = ApplicationFactory(program=ProgramFactory(region=Region.INTERNATIONAL))
    assert make_attachment(hmt, kind=AttachmentKind.SUMMARY).kind_label == "交流总结附件"
    assert make_attachment(intl, kind=AttachmentKind.SUMMARY).kind_label == "回国总结附件"
