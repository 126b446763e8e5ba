"""The two offices as groups, with what their clerks may do in admin.

Which track a clerk sees comes from the group's name (OFFICE_GROUPS); what a clerk may
do comes from these permissions: view and change programs and applications, add
programs, read the history, files, score supplements, summaries and the audit log.
No delete permission at all: an application is evidence.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The group names of apps.programs.models.OFFICE_GROUPS, frozen as of this migration.
OFFICE_GROUPS = ["学生出国事务办公室", "港澳台事务办公室"]

PERMISSIONS = [
    ("programs", "program", ["view", "change", "add"]),
    ("applications", "application", ["view", "change"]),
    ("applications", "applicationevent", ["view"]),
    ("attachments", "attachment", ["view"]),
    ("scores", "scoresupplement", ["view"]),
    ("summaries", "returnsummary", ["view"]),
    ("core", "auditentry", ["view"]),
]


def create_office_groups(apps, schema_editor):
    # Permissions are normally made after all migrations ran; make them now.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = [
        Permission.objects.get(
            content_type__app_label=app_label, content_type__model=model, codename=f"{action}_{model}"
        )
        for app_label, model, actions in PERMISSIONS
        for action in actions
    ]
    for name in OFFICE_GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*wanted)


def remove_office_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=OFFICE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_notices_and_draft_reminders"),
        ("programs", "0001_program_catalog"),
        ("attachments", "0001_attachment"),
        ("scores", "0001_score_supplement"),
        ("summaries", "0001_return_summary"),
        ("core", "0001_audit_entry"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_office_groups, remove_office_groups)]
