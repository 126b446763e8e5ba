"""补录分数: the one-time score supplement, its guards and its history row."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.applications.models import EventKind, format_score, score_range_error
from apps.applications.services import (
    ApplicationError,
    UploadNotStored,
    files_removed_on_failure,
    form_changed,
    locked_application,
    record_eligibility,
    record_event,
    store_attachment,
)
from apps.attachments.models import AttachmentKind

from .models import ScoreSupplement


def _already_done():
    return _("外语成绩已经填写或补录过，只能补录一次，确认后不能修改。")


def refusal(application):
    """Why this application's score cannot be supplemented (now or any more)."""
    if application.language_score is not None:
        return _already_done()
    return _("只有待审核或审核通过的申请可以补录分数；这份申请当前为「%(status)s」。") % {
        "status": application.get_status_display()
    }


def supplement_score(*, application, user, language_test, score, proof=None):
    """补录分数: store the score left blank at submission, once and for ever.

    `proof` is an optional (uploaded_file, CheckedUpload) pair. The row lock makes racing
    requests wait for each other; the OneToOne key of ScoreSupplement makes a second
    supplement impossible even for a writer that skipped the lock.
    """
    with files_removed_on_failure() as stored, transaction.atomic():
        application = locked_application(application)
        if not application.can_supplement_score:
            raise ApplicationError(refusal(application))
        if error := score_range_error(language_test, score):
            raise ApplicationError(error, problems={"language_score": error})
        try:
            with transaction.atomic():
                ScoreSupplement.objects.create(
                    application=application,
                    language_test=language_test,
                    score=score,
                    created_by=user,
                )
        except IntegrityError:  # a writer that did not take the lock got there first
            raise ApplicationError(_already_done()) from None

        application.language_test = language_test
        application.language_score = score
        application.save(update_fields=["language_test", "language_score", "updated_at"])
        # Checked as at 提交, but never refused: the supplement is once-only and cannot be
        # redone, so a score below a required minimum is recorded for the office to see.
        record_eligibility(application)
        if proof is not None:
            uploaded, checked = proof
            try:
                store_attachment(application, AttachmentKind.SCORE_PROOF, uploaded, checked, stored)
            except UploadNotStored as failure:
                # The score is confirmed once and for ever: not without the proof that
                # was meant to go with it. Nothing is written; the form keeps what was typed.
                message = UploadNotStored(failure.name, then=_("外语成绩尚未补录。")).message
                raise ApplicationError(message, problems={"proof": message}) from failure
        record_event(
            application,
            actor=user,
            kind=EventKind.SCORE,
            to_value=f"{language_test} {format_score(score)}",
        )
        # The printed form shows the score now: rendered ahead where a worker runs.
        form_changed(application)
    return application
