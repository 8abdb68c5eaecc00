"""What search ranks its candidates from (articles.search): the title's words and pairs of
the query's words.

`articles_search_title_gin` indexes the title's part of the stored `search_head` vector
(`ts_filter(search_head, '{a}')`, weight A): an expression index, so nothing new to store
or keep; PostgreSQL updates it with the row. Search ranks every article whose title has
the query's words by `ts_rank` of its head, without reading the heads of the many more
articles that only mention them in a summary.

`articles_search_pairs(tsquery)` relaxes a parsed websearch query for that: `'a' & 'b' &
'c'` (or a phrase of them) becomes `'a' & 'b' | 'a' & 'c' | 'b' & 'c'`, one word stays
itself, excluded words are dropped (every candidate is checked against the whole query
afterwards), and a query with nothing to rank by gives NULL: no word left, or one word
with exclusions (ts_rank then ranks every match alike). `or` queries and excluded phrases
stay as they are. IMMUTABLE, so the planner folds it on a constant query and the GIN
indexes answer.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION articles_search_pairs(p_query tsquery) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    words text[];
    pairs text[] := '{}';
BEGIN
    IF strpos(p_query::text, '|') > 0 OR strpos(p_query::text, '!(') > 0 THEN
        RETURN p_query;
    END IF;
    -- Lexemes are quoted ('it''s'); a '!' before one excludes it.
    SELECT array_agg(DISTINCT m[2]) FILTER (WHERE m[1] = '') INTO words
    FROM regexp_matches(p_query::text, '(!?)(''(?:[^'']|'''')*'')', 'g') AS m;
    IF words IS NULL THEN
        RETURN NULL;
    END IF;
    IF cardinality(words) = 1 THEN
        -- With an excluded word, ts_rank ranks every match alike (no pair of words to
        -- measure): nothing to look for, the newest matches decide.
        IF strpos(p_query::text, '!') > 0 THEN
            RETURN NULL;
        END IF;
        RETURN words[1]::tsquery;
    END IF;
    words := words[1:6];
    FOR i IN 1 .. cardinality(words) - 1 LOOP
        FOR j IN i + 1 .. cardinality(words) LOOP
            pairs := pairs || (words[i] || ' & ' || words[j]);
        END LOOP;
    END LOOP;
    RETURN array_to_string(pairs, ' | ')::tsquery;
END
$$;

CREATE INDEX articles_article_search_title_gin
    ON articles_article USING GIN (ts_filter(search_head, '{a}'));
"""

BACKWARD = r"""
DROP INDEX IF EXISTS articles_article_search_title_gin;
DROP FUNCTION IF EXISTS articles_search_pairs(tsquery);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_article_renderings"),
    ]

    operations = [migrations.RunPython(forward, backward)]
