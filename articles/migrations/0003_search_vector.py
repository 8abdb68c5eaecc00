"""Full-text search on PostgreSQL: a weighted, stored tsvector kept up to date by the database.

The column is not a model field: only PostgreSQL has it (SQLite uses the fallback in
articles.search), and triggers keep it current whatever writes the rows (admin, import,
API, bulk helpers). Weights: title A; dek, summary and author names B; body C.
"""

from django.db import migrations

FORWARD = r"""
ALTER TABLE articles_article ADD COLUMN search_vector tsvector;

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

CREATE OR REPLACE FUNCTION articles_articleauthor_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM articles_refresh_search_vector(OLD.article_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM articles_refresh_search_vector(NEW.article_id);
    END IF;
    RETURN NULL;
END
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

CREATE TRIGGER articles_article_search
    BEFORE INSERT OR UPDATE ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_trigger();
CREATE TRIGGER articles_articleauthor_search
    AFTER INSERT OR UPDATE OR DELETE ON articles_articleauthor
    FOR EACH ROW EXECUTE FUNCTION articles_articleauthor_search_trigger();
CREATE TRIGGER articles_author_search
    AFTER UPDATE ON articles_author
    FOR EACH ROW EXECUTE FUNCTION articles_author_search_trigger();

UPDATE articles_article
SET search_vector = articles_search_document(title, dek, summary, body, id);

CREATE INDEX articles_article_search_vector_gin ON articles_article USING GIN (search_vector);
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS articles_author_search ON articles_author;
DROP TRIGGER IF EXISTS articles_articleauthor_search ON articles_articleauthor;
DROP TRIGGER IF EXISTS articles_article_search ON articles_article;
DROP FUNCTION IF EXISTS articles_author_search_trigger();
DROP FUNCTION IF EXISTS articles_articleauthor_search_trigger();
DROP FUNCTION IF EXISTS articles_refresh_search_vector(bigint);
DROP FUNCTION IF EXISTS articles_article_search_trigger();
DROP FUNCTION IF EXISTS articles_search_document(text, text, text, text, bigint);
DROP INDEX IF EXISTS articles_article_search_vector_gin;
ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_roles"),
    ]

    operations = [migrations.RunPython(forward, backward)]
