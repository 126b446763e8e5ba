"""Students and their applications, batch by batch, with everything that follows from each
application's status: history rows, attachments, score supplements and summaries."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.accounts.models import DegreeLevel, Gender, StudentProfile
from apps.applications.models import (
    AdmissionResult,
    Application,
    ApplicationEvent,
    EventKind,
    Status,
)
from apps.attachments.models import Attachment, AttachmentKind
from apps.scores.models import ScoreSupplement
from apps.summaries.models import ReturnSummary

from .database import explicit_timestamps
from .names import (
    GIVEN,
    PINYIN,
    RESULT_WEIGHTS,
    SCHOOLS,
    SCORES,
    STATUS_WEIGHTS,
    STUDENT_PREFIX,
    SURNAMES,
)


def _weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _person(rng, index):
    surname = SURNAMES[index % len(SURNAMES)]
    given = GIVEN[(index // len(SURNAMES)) % len(GIVEN)]
    school = rng.choice(list(SCHOOLS))
    return {
        "name": surname + given,
        "name_en": f"{PINYIN[surname]} Student{index}",
        "gender": rng.choice(Gender.values),
        "school": school,
        "major": rng.choice(SCHOOLS[school]),
        "degree_level": rng.choices(DegreeLevel.values, weights=[7, 2, 1])[0],
        "enrollment_year": rng.randint(2021, 2025),
        "phone": f"13{index:09d}",
        "email": f"s{index}@stu.scale.example.edu",
    }


class BatchBuilder:
    """Students, their profiles and applications, with everything that follows from each."""

    def __init__(self, rng, now, programs, hashed_password, files, actors):
        self.rng = rng
        self.now = now
        self.files = files
        self.hashed = hashed_password
        self.actors = actors  # region -> clerk user (who made the office's decisions)
        self.applicable = [p for p in programs if p.opens_at <= now]

    def students(self, first, last):
        User = get_user_model()
        users = User.objects.bulk_create(
            [
                User(username=f"{STUDENT_PREFIX}{i:011d}", password=self.hashed)
                for i in range(first, last)
            ],
            batch_size=2000,
        )
        people = [_person(self.rng, i) for i in range(first, last)]
        StudentProfile.objects.bulk_create(
            [StudentProfile(user=u, **p) for u, p in zip(users, people, strict=True)],
            batch_size=2000,
        )
        return list(zip(users, people, strict=True))

    def applications(self, students, per_student):
        """`per_student[i]` applications for students[i], to distinct programs."""
        rng = self.rng
        rows = []
        for (user, person), count in zip(students, per_student, strict=True):
            for program in rng.sample(self.applicable, count):
                rows.append(self._application(user, person, program))
        with explicit_timestamps(Application):
            return Application.objects.bulk_create(rows, batch_size=2000)

    def _application(self, user, person, program):
        rng = self.rng
        created = (
            program.opens_at + (min(self.now, program.closes_at) - program.opens_at) * rng.random()
        )
        status = _weighted(rng, STATUS_WEIGHTS)
        if program.closes_at <= self.now and status == Status.RETURNED:
            status = Status.REJECTED
        application = Application(
            student=user,
            program=program,
            status=status,
            created_at=created,
            **person,
        )
        complete = status != Status.DRAFT or rng.random() < 0.5
        if complete:
            if rng.random() < 0.7:
                test = rng.choice(list(SCORES))
                application.language_test = test
                application.language_score = Decimal(rng.choice(SCORES[test]))
            application.has_passport = rng.random() < 0.6
            if application.has_passport:
                application.passport_number = f"E{rng.randint(10000000, 99999999)}"
                application.passport_expiry = program.end_date + timedelta(
                    days=rng.randint(100, 2000)
                )
        else:
            application.school = ""  # a half-filled draft
        if status != Status.DRAFT:
            application.submitted_at = created + timedelta(hours=rng.randint(1, 72))
        if status == Status.APPROVED:
            application.admission_result = _weighted(rng, RESULT_WEIGHTS)
        return application

    def follow_ups(self, applications):
        """History, attachments, score supplements and summaries of `applications`."""
        rng, today = self.rng, timezone.localdate()
        events, attachments, supplements, summaries = [], [], [], []
        for app in applications:
            actor = self.actors[app.program.region]
            at = app.created_at
            events.append(self._event(app, app.student, at, "", Status.DRAFT))
            if app.status == Status.DRAFT:
                continue
            at = app.submitted_at
            events.append(self._event(app, app.student, at, Status.DRAFT, Status.SUBMITTED))
            for kind in (
                AttachmentKind.TRANSCRIPT,
                AttachmentKind.ENROLLMENT,
                AttachmentKind.LANGUAGE,
            ):
                attachments.append(
                    self._attachment(
                        app, kind, at, jpeg=kind == AttachmentKind.ENROLLMENT and rng.random() < 0.5
                    )
                )
            decided = at + timedelta(days=rng.randint(1, 10))
            if app.status == Status.WITHDRAWN:
                events.append(
                    self._event(app, app.student, decided, Status.SUBMITTED, Status.WITHDRAWN)
                )
            elif app.status == Status.RETURNED:
                events.append(
                    self._event(
                        app,
                        actor,
                        decided,
                        Status.SUBMITTED,
                        Status.RETURNED,
                        "请补充盖章的在读证明。",
                    )
                )
            elif app.status == Status.REJECTED:
                events.append(
                    self._event(
                        app,
                        actor,
                        decided,
                        Status.SUBMITTED,
                        Status.REJECTED,
                        "名额有限，未能通过。",
                    )
                )
            elif app.status == Status.APPROVED:
                events.append(self._event(app, actor, decided, Status.SUBMITTED, Status.APPROVED))
                if app.admission_result != AdmissionResult.PENDING:
                    events.append(
                        self._event(
                            app,
                            actor,
                            decided + timedelta(days=20),
                            AdmissionResult.PENDING,
                            app.admission_result,
                            kind=EventKind.ADMISSION,
                        )
                    )
            if (
                app.status in (Status.SUBMITTED, Status.APPROVED)
                and app.language_score is None
                and rng.random() < 0.4
            ):
                supplements.append(self._supplement(app, decided))
                events.append(
                    self._event(
                        app,
                        app.student,
                        decided,
                        "",
                        f"{app.language_test} {app.language_score}",
                        kind=EventKind.SCORE,
                    )
                )
                attachments.append(self._attachment(app, AttachmentKind.SCORE_PROOF, decided))
            if (
                app.admission_result == AdmissionResult.ADMITTED
                and app.program.start_date < today
                and rng.random() < 0.6
            ):
                summary = ReturnSummary(
                    application=app,
                    return_date=min(today, app.program.start_date + timedelta(days=120)),
                )
                if rng.random() < 0.5:
                    summary.submitted_at = timezone.now()
                    events.append(
                        self._event(
                            app,
                            app.student,
                            summary.submitted_at,
                            "",
                            "submitted",
                            kind=EventKind.SUMMARY,
                        )
                    )
                summaries.append(summary)
                attachments.append(self._attachment(app, AttachmentKind.SUMMARY, decided))
        with explicit_timestamps(ApplicationEvent, Attachment):
            ApplicationEvent.objects.bulk_create(events, batch_size=5000)
            Attachment.objects.bulk_create(attachments, batch_size=5000)
        ScoreSupplement.objects.bulk_create(supplements, batch_size=5000)
        ReturnSummary.objects.bulk_create(summaries, batch_size=5000)
        # Supplemented scores are on the application too (as the service leaves them).
        Application.objects.bulk_update(
            [s.application for s in supplements],
            ["language_test", "language_score"],
            batch_size=2000,
        )
        return len(events), len(attachments)

    def _event(self, app, actor, at, from_value, to_value, comment="", kind=EventKind.STATUS):
        return ApplicationEvent(
            application=app,
            kind=kind,
            from_value=from_value,
            to_value=to_value,
            comment=comment,
            actor=actor,
            created_at=at,
        )

    def _attachment(self, app, kind, at, jpeg=False):
        name, size, content_type = self.files.place(app.pk, jpeg=jpeg)
        suffix = "jpg" if jpeg else "pdf"
        return Attachment(
            application=app,
            kind=kind,
            file=name,
            original_name=f"{AttachmentKind(kind).label}.{suffix}",
            size=size,
            content_type=content_type,
            uploaded_at=at,
        )

    def _supplement(self, app, at):
        test = self.rng.choice(list(SCORES))
        app.language_test = test
        app.language_score = Decimal(self.rng.choice(SCORES[test]))
        return ScoreSupplement(
            application=app, language_test=test, score=app.language_score, created_by=app.student
        )
