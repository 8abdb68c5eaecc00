"""An author's new name reaches the search vectors of their articles through the write path.

The trigger of migration 0003 updated every article of a renamed author from inside the
author's UPDATE, locking article rows in no particular order behind the services' back:
two overlapping writes could deadlock. The services now refresh those vectors while they hold
the articles' locks, in the documented lock order (`articles.services.writing`).
"""

from django.db import migrations

FORWARD = r"""
DROP TRIGGER IF EXISTS articles_author_search ON articles_author;
DROP FUNCTION IF EXISTS articles_author_search_trigger();
"""

BACKWARD = r"""
CREATE OR REPLACE FUNCTION articles_author_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name THEN
        UPDATE articles_article
        SET search_vector = articles_search_document(title, dek, summary, body, id),
            search_head = articles_search_head_document(title, dek, summary, id)
        WHERE id IN (SELECT article_id FROM articles_articleauthor WHERE author_id = NEW.id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_author_search
    AFTER UPDATE ON articles_author
    FOR EACH ROW EXECUTE FUNCTION articles_author_search_trigger();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_change_log"),
    ]

    operations = [migrations.RunPython(forward, backward)]
