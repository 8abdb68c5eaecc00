"""Editors and Publishers may see the subscribers and export them as CSV."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("Editor", "Publisher")


def grant(apps, schema_editor):
    config = apps.get_app_config("newsletter")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.get(content_type__app_label="newsletter", codename="view_subscriber")
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(view)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="newsletter", codename="view_subscriber"
    ):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_initial"),
        ("articles", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
