"""Articles get a language and translation groups; authors and topics names by language;
stored search vectors use each article's language configuration."""

import importlib

import articles.languages
import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce



# Vectors in each article's own configuration (`search_config`, derived from its language):
# the two document functions take it as their first argument, and the trigger recomputes
# the vectors when the language changes too.
FORWARD_SQL = r"""
DROP FUNCTION IF EXISTS articles_search_document(text, text, text, text, bigint);
DROP FUNCTION IF EXISTS articles_search_head_document(text, text, text, bigint);

CREATE OR REPLACE FUNCTION articles_search_head_document(
    p_config regconfig, p_title text, p_dek text, p_summary text, p_article_id bigint
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector(p_config, coalesce(p_title, '')), 'A')
        || setweight(to_tsvector(p_config, coalesce(p_dek, '') || ' ' || coalesce(p_summary, '')), 'B')
        || setweight(to_tsvector(p_config, coalesce((
               SELECT string_agg(au.name, ' ')
               FROM articles_articleauthor aa JOIN articles_author au ON au.id = aa.author_id
               WHERE aa.article_id = p_article_id), '')), 'B')
$$;

CREATE OR REPLACE FUNCTION articles_search_document(
    p_config regconfig, p_title text, p_dek text, p_summary text, p_body text, p_article_id bigint
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT articles_search_head_document(p_config, p_title, p_dek, p_summary, p_article_id)
        || setweight(to_tsvector(p_config,
               regexp_replace(coalesce(p_body, ''), '<[^>]*>', ' ', 'g')), 'C')
$$;

CREATE OR REPLACE FUNCTION articles_article_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT'
       OR NEW.title IS DISTINCT FROM OLD.title
       OR NEW.dek IS DISTINCT FROM OLD.dek
       OR NEW.summary IS DISTINCT FROM OLD.summary
       OR NEW.body IS DISTINCT FROM OLD.body
       OR NEW.search_config IS DISTINCT FROM OLD.search_config THEN
        NEW.search_vector := articles_search_document(
            NEW.search_config::regconfig, NEW.title, NEW.dek, NEW.summary, NEW.body, NEW.id);
        NEW.search_head := articles_search_head_document(
            NEW.search_config::regconfig, NEW.title, NEW.dek, NEW.summary, NEW.id);
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION articles_refresh_search_vector(p_article_id bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE articles_article
    SET search_vector = articles_search_document(
            search_config::regconfig, title, dek, summary, body, id),
        search_head = articles_search_head_document(
            search_config::regconfig, title, dek, summary, id)
    WHERE id = p_article_id
$$;

UPDATE articles_article
SET search_vector = articles_search_document(search_config::regconfig, title, dek, summary, body, id),
    search_head = articles_search_head_document(search_config::regconfig, title, dek, summary, id);
"""

# Back to English for every article: the functions of migration 0003 and 0005.
OLD_DOCUMENT_SQL = r"""
DROP FUNCTION IF EXISTS articles_search_document(regconfig, text, text, text, text, bigint);
DROP FUNCTION IF EXISTS articles_search_head_document(regconfig, text, text, text, bigint);

CREATE OR REPLACE FUNCTION articles_search_document(
    p_title text, p_dek text, p_summary text, p_body text, p_article_id bigint
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce(p_title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(p_dek, '') || ' ' || coalesce(p_summary, '')), 'B')
        || setweight(to_tsvector('english', coalesce((
               SELECT string_agg(au.name, ' ')
               FROM articles_articleauthor aa JOIN articles_author au ON au.id = aa.author_id
               WHERE aa.article_id = p_article_id), '')), 'B')
        || setweight(to_tsvector('english',
               regexp_replace(coalesce(p_body, ''), '<[^>]*>', ' ', 'g')), 'C')
$$;
"""


def number_groups_and_configs(apps, schema_editor):
    """Each existing article its own translation group and its language's configuration;
    the change log's article rows the article's language."""
    from articles.languages import search_config

    if schema_editor.connection.vendor == "postgresql":
        # Checked now, not at commit: the indexes made at the end of this migration cannot
        # be built while the table has pending constraint events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Article = apps.get_model("articles", "Article")
    for language in Article.objects.values_list("language", flat=True).distinct():
        Article.objects.filter(language=language).update(search_config=search_config(language))
    ContentChange = apps.get_model("articles", "ContentChange")
    ContentChange.objects.filter(subject="article").update(
        language=Coalesce(
            Subquery(Article.objects.filter(pk=OuterRef("object_id")).values("language")[:1]),
            Value(""),
        )
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("UPDATE articles_article SET translation_group = gen_random_uuid()")
        return
    for article_id in Article.objects.values_list("id", flat=True).iterator():
        Article.objects.filter(id=article_id).update(translation_group=uuid.uuid4())


def forward_sql(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(FORWARD_SQL)


def backward_sql(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        search_head = importlib.import_module("articles.migrations.0005_search_head")
        schema_editor.execute(OLD_DOCUMENT_SQL + search_head.HEAD_DOCUMENT + search_head.TRIGGERS)
        schema_editor.execute("DROP FUNCTION IF EXISTS articles_author_search_trigger()")
        schema_editor.execute(
            "UPDATE articles_article SET "
            "search_vector = articles_search_document(title, dek, summary, body, id), "
            "search_head = articles_search_head_document(title, dek, summary, id)"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0011b_move_image_credits_out_of_bodies'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='language',
            field=models.CharField(choices=articles.languages.choices, db_index=True, default=articles.languages.default_language, help_text='The language the article is written in.', max_length=35),
        ),
        migrations.AddField(
            model_name='article',
            name='search_config',
            field=models.CharField(default=articles.languages.default_search_config, editable=False, max_length=63),
        ),
        migrations.AddField(
            model_name='article',
            name='translation_group',
            field=models.UUIDField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='article',
            name='translated_from',
            field=models.CharField(blank=True, editable=False, help_text='The language of the article of its group this one was translated from.', max_length=35),
        ),
        migrations.AddField(
            model_name='article',
            name='translation_source_version',
            field=models.PositiveIntegerField(blank=True, editable=False, help_text="The source's version this translation was last brought up to date with.", null=True),
        ),
        migrations.AddField(
            model_name='author',
            name='names',
            field=models.JSONField(blank=True, default=dict, validators=[articles.languages.validate_names], help_text='The name as pages in other languages show it, by language code, e.g. {"ru": "…", "az": "…"}. Pages in a language not listed show the name above.', verbose_name='names in other languages'),
        ),
        migrations.AddField(
            model_name='historicalarticle',
            name='language',
            field=models.CharField(choices=articles.languages.choices, db_index=True, default=articles.languages.default_language, help_text='The language the article is written in.', max_length=35),
        ),
        migrations.AddField(
            model_name='historicalarticle',
            name='search_config',
            field=models.CharField(default=articles.languages.default_search_config, editable=False, max_length=63),
        ),
        migrations.AddField(
            model_name='historicalarticle',
            name='translation_group',
            field=models.UUIDField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='historicalarticle',
            name='translated_from',
            field=models.CharField(blank=True, editable=False, help_text='The language of the article of its group this one was translated from.', max_length=35),
        ),
        migrations.AddField(
            model_name='historicalarticle',
            name='translation_source_version',
            field=models.PositiveIntegerField(blank=True, editable=False, help_text="The source's version this translation was last brought up to date with.", null=True),
        ),
        migrations.AddField(
            model_name='historicalauthor',
            name='names',
            field=models.JSONField(blank=True, default=dict, validators=[articles.languages.validate_names], help_text='The name as pages in other languages show it, by language code, e.g. {"ru": "…", "az": "…"}. Pages in a language not listed show the name above.', verbose_name='names in other languages'),
        ),
        migrations.AddField(
            model_name='historicaltopic',
            name='names',
            field=models.JSONField(blank=True, default=dict, validators=[articles.languages.validate_names], help_text='The name as pages in other languages show it, by language code, e.g. {"ru": "…", "az": "…"}. Pages in a language not listed show the name above.', verbose_name='names in other languages'),
        ),
        migrations.AddField(
            model_name='topic',
            name='names',
            field=models.JSONField(blank=True, default=dict, validators=[articles.languages.validate_names], help_text='The name as pages in other languages show it, by language code, e.g. {"ru": "…", "az": "…"}. Pages in a language not listed show the name above.', verbose_name='names in other languages'),
        ),
        migrations.AddConstraint(
            model_name='article',
            constraint=models.UniqueConstraint(condition=models.Q(('working_copy_of__isnull', True)), fields=('translation_group', 'language'), name='one_translation_per_language', violation_error_message='This article already has a translation in that language.'),
        ),
        migrations.AddField(
            model_name='contentchange',
            name='language',
            field=models.CharField(blank=True, help_text="The article's language (BCP 47) at that time.", max_length=35),
        ),
        migrations.RunPython(number_groups_and_configs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='article',
            name='translation_group',
            field=models.UUIDField(blank=True, db_index=True, default=uuid.uuid4, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='historicalarticle',
            name='translation_group',
            field=models.UUIDField(blank=True, db_index=True, default=uuid.uuid4, editable=False, null=True),
        ),
        migrations.RunPython(forward_sql, backward_sql),
    ]
