"""Every change to an application happens here, with its guards and its history row.

Each function is keyword-only, runs in one transaction, locks the application row
(`select_for_update`), refuses a wrong starting state with `ApplicationError`, saves
with `update_fields` and records an `ApplicationEvent`. Views and admin actions call
these and nothing else.

One module per part: `guards` (what every change shares: the refusal, the row lock, the
history row, the printed form), `files` (uploads kept or removed with their change),
`student` (the student's changes) and `decisions` (the offices' decisions and corrections).
Call them through this package: `services.submit_application(...)`.
"""

from .decisions import (
    COMMENT_REQUIRED,
    REVERTIBLE_STATUSES,
    ImportRefused,
    approve_application,
    import_admission_results,
    reject_application,
    return_application,
    revert_admission_result,
    revert_review,
    set_admission_result,
)
from .eligibility import (
    JUDGED_STATUSES,
    REQUIREMENT_PREFIX,
    application_facts,
    recheck_program,
    record_eligibility,
    unmet_requirements,
)
from .files import (
    discard_files,
    files_removed_on_failure,
    replace_files,
    replace_files_keeping_the_rest,
    store_attachment,
)
from .guards import (
    FORM_SLOTS,
    ApplicationError,
    UploadNotStored,
    form_changed,
    locked_application,
    program_changed,
    record_event,
)
from .returns import (
    changes_since_return,
    clean_items,
    current_values,
    returnable_keys,
    save_replies,
)
from .student import (
    delete_draft,
    save_draft,
    start_application,
    submit_application,
    withdraw_application,
)

__all__ = [
    "JUDGED_STATUSES",
    "REQUIREMENT_PREFIX",
    "application_facts",
    "recheck_program",
    "record_eligibility",
    "unmet_requirements",
    "COMMENT_REQUIRED",
    "FORM_SLOTS",
    "REVERTIBLE_STATUSES",
    "ApplicationError",
    "ImportRefused",
    "UploadNotStored",
    "approve_application",
    "changes_since_return",
    "clean_items",
    "current_values",
    "returnable_keys",
    "save_replies",
    "delete_draft",
    "discard_files",
    "files_removed_on_failure",
    "form_changed",
    "import_admission_results",
    "locked_application",
    "program_changed",
    "record_event",
    "reject_application",
    "replace_files",
    "replace_files_keeping_the_rest",
    "return_application",
    "revert_admission_result",
    "revert_review",
    "save_draft",
    "set_admission_result",
    "start_application",
    "store_attachment",
    "submit_application",
    "withdraw_application",
]
