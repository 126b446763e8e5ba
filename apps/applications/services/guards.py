"""What every change to an application shares: the refusal, the row lock, the history row
(announced to the student), and the printed form rendered ahead."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.attachments.models import AttachmentKind
from apps.core.queue import enqueue_for_worker, has_worker
from apps.programs.models import Program

from .. import announcements, tasks
from ..models import PRINTABLE_STATUSES, Application, ApplicationEvent, EventKind

# The slots a student fills on the form (score proof and summary have their own pages).
FORM_SLOTS = (AttachmentKind.TRANSCRIPT, AttachmentKind.ENROLLMENT, AttachmentKind.LANGUAGE)


class ApplicationError(Exception):
    """A refused action. `message` is shown to the person who asked; `problems` maps
    fields or attachment slots to what is wrong with them."""

    def __init__(self, message, problems=None):
        super().__init__(message)
        self.message = message
        self.problems = problems or {}


class UploadNotStored(ApplicationError):
    """The storage refused a file (a full disk, an unwritable folder): nothing of it was
    kept. `then` says what became of the rest of the request."""

    def __init__(self, name, then=""):
        message = _("「%(name)s」未能保存：服务器存储暂时不可用，请稍后重新上传。") % {"name": name}
        super().__init__(f"{message}{then}")
        self.name = name


def locked_application(application, *, with_program=True):
    """The row again, locked until the transaction ends (with its program by default)."""
    queryset = Application.objects.select_for_update(of=("self",))
    if with_program:
        queryset = queryset.select_related("program")
    try:
        return queryset.get(pk=application.pk)
    except Application.DoesNotExist:
        # 删除草稿 in another tab won the race for this draft.
        raise ApplicationError(_("这份草稿已被删除。")) from None


def record_event(application, *, actor, to_value, from_value="", kind=EventKind.STATUS, comment=""):
    event = ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        from_value=from_value,
        to_value=to_value,
        actor=actor,
        comment=comment,
    )
    # Decisions and admission results reach the student: a notice now, an email on commit.
    announcements.announce(event)
    return event


def _move(application, *, to, actor, comment="", extra_fields=()):
    """Set the status and record the move; the caller holds the row lock and checked `from`."""
    from_value = application.status
    application.status = to
    application.save(update_fields=["status", "updated_at", *extra_fields])
    application._last_event = record_event(
        application, actor=actor, from_value=from_value, to_value=to, comment=comment
    )
    form_changed(application)
    return application


def form_changed(application):
    """A save that moved `updated_at` gave the printed 申请表 a new version (a submission, a
    decision, a result, a score, a staff correction): where a worker runs, it renders the
    form ahead once committed, so that the student's next 下载申请表 is a cached one.
    Without a worker, that download renders it: never the request that made the change."""
    if application.has_printable_form:
        enqueue_for_worker(tasks.warm_pdf, application.pk)


@receiver(post_save, sender=Program, dispatch_uid="pdf-program-saved")
def program_changed(sender, instance, created, raw=False, **kwargs):
    """A program's correction (its title, dates, partner) is printed on every form of it."""
    if created or raw or not has_worker():
        return
    for pk in instance.applications.filter(status__in=PRINTABLE_STATUSES).values_list(
        "pk", flat=True
    ):
        enqueue_for_worker(tasks.warm_pdf, pk)


def _refuse_closed_program(program):
    if not program.is_published:
        raise ApplicationError(_("该项目已下线，不能报名或提交。"))
    if not program.is_open():
        if timezone.now() < program.opens_at:
            raise ApplicationError(_("该项目报名尚未开始，不能报名。"))
        raise ApplicationError(_("该项目已停止报名，不能报名或提交。"))
