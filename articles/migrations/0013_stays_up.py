from django.db import migrations


def sync_roles(apps, schema_editor):
    from articles.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Publishers may unlock logins locked out by django-axes."""

    dependencies = [
        ("articles", "0008_editors_desk"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
