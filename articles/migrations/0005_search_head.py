"""A second, small search vector: what an article is *about* (title A; dek, summary and
author names B), without the body.

It is a few hundred bytes and stays inside the table row, while the full vector (with the
body) lives out of line. Search reads it to find the strongest matches anywhere in the
archive (a title or summary that mentions the words) and to check quoted phrases, without
reading each candidate's full vector (see articles.search). The same triggers keep it.
"""

from django.db import migrations

HEAD_DOCUMENT = r"""
CREATE OR REPLACE FUNCTION articles_search_head_document(
    p_title text, p_dek text, p_summary text, p_article_id bigint
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce(p_title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(p_dek, '') || ' ' || coalesce(p_summary, '')), 'B')
        || setweight(to_tsvector('english', coalesce((
               SELECT string_agg(au.name, ' ')
               FROM articles_articleauthor aa JOIN articles_author au ON au.id = aa.author_id
               WHERE aa.article_id = p_article_id), '')), 'B')
$$;
"""

TRIGGERS = r"""
CREATE OR REPLACE FUNCTION articles_article_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT'
       OR NEW.title IS DISTINCT FROM OLD.title
       OR NEW.dek IS DISTINCT FROM OLD.dek
       OR NEW.summary IS DISTINCT FROM OLD.summary
       OR NEW.body IS DISTINCT FROM OLD.body THEN
        NEW.search_vector := articles_search_document(
            NEW.title, NEW.dek, NEW.summary, NEW.body, NEW.id);
        NEW.search_head := articles_search_head_document(
            NEW.title, NEW.dek, NEW.summary, NEW.id);
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION articles_refresh_search_vector(p_article_id bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE articles_article
    SET search_vector = articles_search_document(title, dek, summary, body, id),
        search_head = articles_search_head_document(title, dek, summary, id)
    WHERE id = p_article_id
$$;

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
"""

FORWARD = (
    "ALTER TABLE articles_article ADD COLUMN search_head tsvector;"
    + HEAD_DOCUMENT
    + TRIGGERS
    + r"""
UPDATE articles_article SET search_head = articles_search_head_document(title, dek, summary, id);
CREATE INDEX articles_article_search_head_gin ON articles_article USING GIN (search_head);
"""
)

# The trigger functions as migration 0003 left them.
BACKWARD = r"""
CREATE OR REPLACE FUNCTION articles_article_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT'
       OR NEW.title IS DISTINCT FROM OLD.title
       OR NEW.dek IS DISTINCT FROM OLD.dek
       OR NEW.summary IS DISTINCT FROM OLD.summary
       OR NEW.body IS DISTINCT FROM OLD.body THEN
        NEW.search_vector := articles_search_document(
            NEW.title, NEW.dek, NEW.summary, NEW.body, NEW.id);
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION articles_refresh_search_vector(p_article_id bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE articles_article
    SET search_vector = articles_search_document(title, dek, summary, body, id)
    WHERE id = p_article_id
$$;

CREATE OR REPLACE FUNCTION articles_author_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name THEN
        UPDATE articles_article
        SET search_vector = articles_search_document(title, dek, summary, body, id)
        WHERE id IN (SELECT article_id FROM articles_articleauthor WHERE author_id = NEW.id);
    END IF;
    RETURN NULL;
END
$$;

DROP INDEX IF EXISTS articles_article_search_head_gin;
ALTER TABLE articles_article DROP COLUMN IF EXISTS search_head;
DROP FUNCTION IF EXISTS articles_search_head_document(text, text, text, bigint);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_article_revision_inline_state"),
    ]

    operations = [migrations.RunPython(forward, backward)]
