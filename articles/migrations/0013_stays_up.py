import django.core.validators
from django.db import migrations, models

import articles.validators


def sync_roles(apps, schema_editor):
    from articles.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Publishers may unlock logins locked out by django-axes; editor-supplied addresses
    are http(s) only (mailto too for author links)."""

    dependencies = [
        ("articles", "0012_languages"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='article',
            name='canonical_url',
            field=models.URLField(blank=True, help_text='Only when the article first appeared elsewhere.', validators=[django.core.validators.URLValidator(message='Enter a web address starting with http:// or https://.', schemes=['http', 'https'])]),
        ),
        migrations.AlterField(
            model_name='author',
            name='links',
            field=models.TextField(blank=True, help_text='One link per line: web addresses (https://…) or mailto:someone@example.org.', validators=[articles.validators.validate_link_lines]),
        ),
        migrations.AlterField(
            model_name='historicalarticle',
            name='canonical_url',
            field=models.URLField(blank=True, help_text='Only when the article first appeared elsewhere.', validators=[django.core.validators.URLValidator(message='Enter a web address starting with http:// or https://.', schemes=['http', 'https'])]),
        ),
        migrations.AlterField(
            model_name='historicalauthor',
            name='links',
            field=models.TextField(blank=True, help_text='One link per line: web addresses (https://…) or mailto:someone@example.org.', validators=[articles.validators.validate_link_lines]),
        ),
        migrations.AlterField(
            model_name='historicalimage',
            name='credit_url',
            field=models.URLField(blank=True, help_text='Link for the credit, if any.', validators=[django.core.validators.URLValidator(message='Enter a web address starting with http:// or https://.', schemes=['http', 'https'])]),
        ),
        migrations.AlterField(
            model_name='historicalsource',
            name='url',
            field=models.URLField(blank=True, max_length=1000, validators=[django.core.validators.URLValidator(message='Enter a web address starting with http:// or https://.', schemes=['http', 'https'])]),
        ),
        migrations.AlterField(
            model_name='image',
            name='credit_url',
            field=models.URLField(blank=True, help_text='Link for the credit, if any.', validators=[django.core.validators.URLValidator(message='Enter a web address starting with http:// or https://.', schemes=['http', 'https'])]),
        ),
        migrations.AlterField(
            model_name='source',
            name='url',
            field=models.URLField(blank=True, max_length=1000, validators=[django.core.validators.URLValidator(message='Enter a web address starting with http:// or https://.', schemes=['http', 'https'])]),
        ),
    ]
