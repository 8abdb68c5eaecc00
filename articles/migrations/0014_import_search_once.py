"""New articles may compute their search vectors once, after their byline (PostgreSQL).

An article's vectors name its authors, whose rows can only be inserted after the article's.
So a new article's document (body included) was computed twice: by the row trigger on insert
(without authors) and again by the byline's statement trigger. While the transaction-local
setting `articles.defer_search_vectors` is `on`, both triggers leave new articles alone; the
writer that set it computes the vectors of those articles with one statement once their
bylines are written (`articles.search.search_vectors_after`). Updates are unchanged. The
trigger functions themselves (what the vectors contain) are untouched.
"""

from django.db import migrations

DEFERRED = "current_setting('articles.defer_search_vectors', true) IS DISTINCT FROM 'on'"

FORWARD_SQL = f"""
DROP TRIGGER IF EXISTS articles_article_search ON articles_article;
CREATE TRIGGER articles_article_search_insert
    BEFORE INSERT ON articles_article
    FOR EACH ROW WHEN ({DEFERRED})
    EXECUTE FUNCTION articles_article_search_trigger();
CREATE TRIGGER articles_article_search
    BEFORE UPDATE ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_trigger();

DROP TRIGGER IF EXISTS articles_articleauthor_search_insert ON articles_articleauthor;
CREATE TRIGGER articles_articleauthor_search_insert
    AFTER INSERT ON articles_articleauthor REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT WHEN ({DEFERRED})
    EXECUTE FUNCTION articles_articleauthor_search_refresh();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS articles_article_search_insert ON articles_article;
DROP TRIGGER IF EXISTS articles_article_search ON articles_article;
CREATE TRIGGER articles_article_search
    BEFORE INSERT OR UPDATE ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_trigger();

DROP TRIGGER IF EXISTS articles_articleauthor_search_insert ON articles_articleauthor;
CREATE TRIGGER articles_articleauthor_search_insert
    AFTER INSERT ON articles_articleauthor REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_articleauthor_search_refresh();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD_SQL)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0013_stays_up"),
    ]

    operations = [
        migrations.RunPython(forward, reverse),
    ]
