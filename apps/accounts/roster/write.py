"""Writing a roster: all or nothing, in bulk."""

import logging
import secrets
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import user_cache
from ..models import StudentProfile
from .preview import ERROR, build_preview

logger = logging.getLogger(__name__)


class RosterRefused(Exception):
    """Some rows are wrong: nothing was written. `preview` says which and why."""

    def __init__(self, preview):
        count = len(preview.errors)
        self.message = _("名单中有 %(count)s 行有误，未写入任何数据。") % {"count": count}
        super().__init__(self.message)
        self.preview = preview


class RosterConflict(Exception):
    """Someone's account appeared while the import wrote (a first sign-in): nothing was
    written; importing again sees it."""

    def __init__(self):
        self.message = _("导入期间有学生首次登录，未写入任何数据，请重新导入。")
        super().__init__(self.message)


def import_roster(*, rows, actor=None):
    """Write what `build_preview` accepts, all or nothing; `RosterRefused` if any row is wrong.

    Creates the account (no usable password: students sign in through the directory)
    and the profile of each new 学号, and updates the others. Returns the preview;
    `RosterConflict` when a first sign-in created one of the accounts meanwhile.
    """
    try:
        preview = _import(rows)
    except IntegrityError as error:
        # A 学号 that had no account at the check got one before the insert.
        raise RosterConflict() from error
    logger.info(
        "Roster imported by %s: %s",
        actor.get_username() if actor is not None else "manage.py import_roster",
        preview.counts(),
    )
    return preview


def _import(rows):
    User = get_user_model()
    with transaction.atomic():
        preview = build_preview(rows, lock=True)
        if preview.errors:
            raise RosterRefused(preview)
        now = timezone.now()
        new = preview.new
        users = [
            User(username=item.student_id, email=item.values.get("email", ""), password=_unusable())
            for item in new
        ]
        User.objects.bulk_create(users, batch_size=1000)
        for item, user in zip(new, users, strict=True):
            item.user_id = user.pk
        created = [item for item in preview.rows if item.outcome != ERROR and item.profile is None]
        StudentProfile.objects.bulk_create(
            [
                StudentProfile(
                    user_id=item.user_id, roster_fields=sorted(item.values), **item.values
                )
                for item in created
            ],
            batch_size=1000,
        )
        # Grouped by the fields that change: a nightly run's few changes each touch one
        # or two columns, and an UPDATE's cost grows with the columns it sets.
        by_fields = defaultdict(list)
        for item in preview.changed:
            if item.profile is not None:
                for change in item.changes:
                    setattr(item.profile, change.field, change.new)
                item.profile.roster_fields = sorted(item.values)
                item.profile.updated_at = now
                fields = tuple(sorted(change.field for change in item.changes))
                by_fields[fields].append(item.profile)
        for fields, profiles in by_fields.items():
            StudentProfile.objects.bulk_update(
                profiles, [*fields, "roster_fields", "updated_at"], batch_size=500
            )
            user_cache.forget([profile.user_id for profile in profiles])
    return preview


def _unusable():
    # As set_unusable_password() writes it ("!" + random), without make_password's
    # per-character random choices: 50,000 of those cost seconds.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
