"""Login lockouts in admin, in the portal's words; the office clerks may see and unlock them.

Unlocking needs the change permission (the admin's 解锁 action), not delete: the offices
hold no delete permission at all.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The group names of apps.programs.models.OFFICE_GROUPS, frozen as of this migration.
OFFICE_GROUPS = ["学生出国事务办公室", "港澳台事务办公室"]


def let_offices_unlock(apps, schema_editor):
    # Permissions are normally made after all migrations ran; make them now.
    app_config = apps.get_app_config("accounts")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = Permission.objects.filter(
        content_type__app_label="accounts",
        codename__in=["view_loginlockout", "change_loginlockout"],
    )
    for group in Group.objects.filter(name__in=OFFICE_GROUPS):
        group.permissions.add(*wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_student_notice_language"),
        ("axes", "0010_accessattemptexpiration"),
        ("applications", "0005_office_groups"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoginLockout",
            fields=[],
            options={
                "verbose_name": "登录锁定",
                "verbose_name_plural": "登录锁定",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("axes.accessattempt",),
        ),
        migrations.RunPython(let_offices_unlock, migrations.RunPython.noop),
    ]
