"""Each track's office head: a group holding 撤销审核 (applications.revert_review).

A head is a member of the office's own group (which gives the track and the clerk's
rights) and of this one. 撤销录取结果 (revert_admission) is in no group: the
administrator has it as a superuser, or assigns it to a user in admin.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The names of apps.applications.models.OFFICE_HEAD_GROUPS, frozen as of this migration.
OFFICE_HEAD_GROUPS = ["学生出国事务办公室负责人", "港澳台事务办公室负责人"]


def create_office_head_groups(apps, schema_editor):
    # Permissions are normally made after all migrations ran; make this app's now.
    app_config = apps.get_app_config("applications")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    revert = Permission.objects.get(
        content_type__app_label="applications", codename="revert_review"
    )
    for name in OFFICE_HEAD_GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(revert)


def remove_office_head_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=OFFICE_HEAD_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("applications", "0011_revert_permissions_and_event_kinds")]

    operations = [migrations.RunPython(create_office_head_groups, remove_office_head_groups)]
