"""Article.featured (WordPress sticky posts), Topic.parent (category hierarchies), and the
search vector refreshed once per statement when bylines change (PostgreSQL).

A byline of three authors inserted in one statement (as the importers' bulk path and the
admin inline do) used to recompute the article's whole search document three times, body
included; a statement-level trigger with a transition table recomputes it once per article.
"""

import django.db.models.deletion
from django.db import migrations, models

STATEMENT_TRIGGERS = r"""
DROP TRIGGER IF EXISTS articles_articleauthor_search ON articles_articleauthor;

CREATE OR REPLACE FUNCTION articles_articleauthor_search_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM articles_refresh_search_vector(article_id)
    FROM (SELECT DISTINCT article_id FROM changed_rows) AS changed;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_articleauthor_search_insert
    AFTER INSERT ON articles_articleauthor REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_articleauthor_search_refresh();
CREATE TRIGGER articles_articleauthor_search_delete
    AFTER DELETE ON articles_articleauthor REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_articleauthor_search_refresh();
-- An update may move a row between articles: both sides, still per row (rare).
CREATE TRIGGER articles_articleauthor_search
    AFTER UPDATE ON articles_articleauthor
    FOR EACH ROW EXECUTE FUNCTION articles_articleauthor_search_trigger();
"""

ROW_TRIGGER = r"""
DROP TRIGGER IF EXISTS articles_articleauthor_search_insert ON articles_articleauthor;
DROP TRIGGER IF EXISTS articles_articleauthor_search_delete ON articles_articleauthor;
DROP TRIGGER IF EXISTS articles_articleauthor_search ON articles_articleauthor;
DROP FUNCTION IF EXISTS articles_articleauthor_search_refresh();
CREATE TRIGGER articles_articleauthor_search
    AFTER INSERT OR UPDATE OR DELETE ON articles_articleauthor
    FOR EACH ROW EXECUTE FUNCTION articles_articleauthor_search_trigger();
"""


def statement_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STATEMENT_TRIGGERS)


def row_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ROW_TRIGGER)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0008_editors_desk'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='featured',
            field=models.BooleanField(db_index=True, default=False, help_text='Highlighted by the site (WordPress “sticky” posts are imported as featured).'),
        ),
        migrations.AddField(
            model_name='historicalarticle',
            name='featured',
            field=models.BooleanField(db_index=True, default=False, help_text='Highlighted by the site (WordPress “sticky” posts are imported as featured).'),
        ),
        migrations.AddField(
            model_name='historicaltopic',
            name='parent',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The broader topic this one belongs to (e.g. an imported category hierarchy).', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='articles.topic'),
        ),
        migrations.AddField(
            model_name='topic',
            name='parent',
            field=models.ForeignKey(blank=True, help_text='The broader topic this one belongs to (e.g. an imported category hierarchy).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='children', to='articles.topic'),
        ),
        migrations.RunPython(statement_triggers, row_trigger),
    ]
