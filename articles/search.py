"""Full-text search over articles: the one function pages and the API call.

Each article is stemmed by the rules of its own language: its stored vectors are made with
its `search_config` (English, Russian…, `simple` for languages PostgreSQL has no stemmer
for), and a query is parsed once per configuration and matched only against the articles
of that configuration, so results never mix stemming rules. `language` narrows to one.

PostgreSQL: the weighted `search_vector` column (title A; dek, summary, author names B;
body C) that migration 0003 adds and database triggers maintain, a GIN index, `websearch`
query syntax ("quoted phrases", or, -exclusions), `ts_rank` ordering and `ts_headline`
snippets. SQLite (development): every word must appear in the title, dek, summary, body or
an author's name; matches in the title count most.

Every step is SQL, so cost does not grow with Python work per row.
"""

import re
from contextlib import contextmanager

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchVectorField,
)
from django.db import connection, connections, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    F,
    Field,
    Func,
    IntegerField,
    Lookup,
    OuterRef,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Col
from django.db.models.functions import Cast, Concat, Left, Replace
from django.utils.html import escape

from . import languages
from .models import Article, ArticleAuthor

MAX_QUERY_LENGTH = 200
MAX_FALLBACK_TERMS = 8
# Ranking reads each candidate's full vector (with the body, stored out of line), so only
# a bounded set is ranked exactly. What decides the top of a `ts_rank` ordering of the whole
# archive is where the words are: in the title (weight A) or dek, summary and byline (B),
# and close together. So the candidates are, however old, the articles whose title holds
# the words (two of them, for a query of several: a close pair in a title outranks almost
# anything in a body) that rank best by `ts_rank` of their small `search_head` vector, a few
# hundred bytes in the row; the best heads the same way when few titles hold the words; and
# the newest matches anywhere, for ties (one word with an exclusion ranks every match alike)
# and words only bodies hold.
RANKED_CANDIDATES = 150
ENOUGH_TITLES = 20  # title matches enough for a first page: heads are not ranked then
BODY_CANDIDATES = 50
# A quoted phrase needs word positions, so its body candidates (the newest articles with
# all of its words) are checked against their full vectors: more of them, as they are cheap.
PHRASE_BODY_CANDIDATES = 200
PLAIN_WORDS = re.compile(r"[^\W_]+(?: [^\W_]+)?")
MAX_RESULTS = 200  # the most relevant matches listed
SNIPPET_SOURCE_CHARS = 500
SNIPPET_MARKUP_CHARS = 3 * SNIPPET_SOURCE_CHARS  # body HTML read for those characters of text
# The fallback ignores the words PostgreSQL's English configuration ignores most often.
FALLBACK_STOP_WORDS = set(
    "a an and are as at be but by for from has have in is it its of on or that the this "
    "to was were will with".split()
)
ENTITY_NAMES = {"amp", "lt", "gt", "quot"}  # never highlight inside an escaped character
HEADLINE_OPTIONS = {
    "start_sel": "<mark>",
    "stop_sel": "</mark>",
    "max_words": 30,
    "min_words": 12,
    "max_fragments": 2,
    "fragment_delimiter": " … ",
}


def clean_query(query):
    """The query as searched: whitespace collapsed, length capped."""
    return " ".join(str(query or "").split())[:MAX_QUERY_LENGTH]


def search_articles(queryset, query, language=None):
    """`queryset` filtered to matches of `query` (in articles of `language` when given),
    best first (at most MAX_RESULTS).

    Annotates `search_snippet`: an HTML-safe fragment of the text with the matching words
    in <mark>, safe to render with `|safe`. An empty query matches nothing. On PostgreSQL the
    ranking runs here, in one query; counting and paging the result then cost almost nothing.
    """
    query = clean_query(query)
    if not query:
        return queryset.none()
    if language:
        queryset = queryset.filter(language=language)
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        return _search_postgresql(queryset, query, _configs(language))
    return _search_fallback(queryset, query)


def _configs(language):
    """The text search configurations to parse the query with."""
    if language:
        return [languages.search_config(language)]
    return list(languages.search_configs())


def _matching(query, configs, *, query_class=None):
    """Articles whose stored vector (alias `search_match`) matches the query parsed by their
    own configuration: one constant query per configuration, so the GIN index answers."""
    query_class = query_class or SearchQuery
    condition = Q()
    for config in configs:
        condition |= Q(
            search_config=config,
            search_match=query_class(query, search_type="websearch", config=config),
        )
    return condition


def _row_query(query):
    """The query parsed by each row's own configuration (ranking, checks, headlines)."""
    return SearchQuery(query, search_type="websearch", config=F("search_config"))


def search_vector_column():
    """PostgreSQL's stored `search_vector` column of articles (kept by triggers, GIN-indexed),
    as an expression that survives subquery relabelling."""
    return _stored_vector("search_vector")


def _stored_vector(column):
    field = SearchVectorField()
    field.set_attributes_from_name(column)
    field.model = Article
    return Col(Article._meta.db_table, field)


def _escape_sql(expression):
    """HTML-escape a text expression in SQL (for plain-text fields inside a snippet)."""
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        expression = Replace(expression, Value(char), Value(entity), output_field=TextField())
    return expression


def _strip_tags_sql(expression):
    """Text of sanitised HTML: the tags go (a tag cut off at the end of a truncated fragment
    too), the (already escaped) text and entities stay."""
    return Func(
        expression,
        Value("<[^>]*(>|$)"),
        Value(" "),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )


def _plain_words(query):
    """Whether the query is one or two plain words (letters and digits): then every
    candidate of every tier matches it, and checking each against it is redundant."""
    return PLAIN_WORDS.fullmatch(query) is not None


def _has_phrase(query):
    """Whether the query has a quoted phrase: its body candidates are then taken by the
    query's words anywhere (`_ranked_ids`). With the phrase checked there, PostgreSQL read
    the word positions of every body holding its words: over a second at 100,000 articles
    for a phrase with an exclusion (`"caspian sea" -oil`)."""
    return '"' in query


def _search_postgresql(queryset, query, configs):
    search_query = _row_query(query)
    ranked = _ranked_ids(queryset, query, configs)
    # The card shows the dek already: the snippet is drawn from the summary and the body.
    document = Concat(
        _escape_sql(F("summary")),
        Value(" · "),
        # Only the start of the body: stripping the tags of a whole long body costs more
        # than the headline itself.
        Left(_strip_tags_sql(Left(F("body"), SNIPPET_MARKUP_CHARS)), SNIPPET_SOURCE_CHARS),
        output_field=TextField(),
    )
    ranking = _id_array(ranked)
    return (
        queryset.filter(_IsAnyOf(F("pk"), ranking))
        .annotate(
            search_snippet=SearchHeadline(
                document, search_query, config=F("search_config"), **HEADLINE_OPTIONS
            )
        )
        .order_by(Func(ranking, F("pk"), function="array_position"))
    )


def _ranked_ids(queryset, query, configs):
    """The ids of the best MAX_RESULTS matches of `query` in `queryset`, best first.

    Ranking reads each ranked row's whole vector, so only candidates are ranked, from three
    tiers: the RANKED_CANDIDATES articles whose title (its own GIN index) has two of the
    query's words (`articles_search_pairs`, migration 0016), ranked by their head (title,
    dek, summary, authors); when fewer than ENOUGH_TITLES titles match, the same over the
    heads; and the newest BODY_CANDIDATES matches anywhere (PHRASE_BODY_CANDIDATES holding a
    phrase's words anywhere). Candidates that match the whole query are ranked by `ts_rank`
    of their whole vector.

    Written as SQL: building the same query with the ORM took longer than running it (12 ms
    a search). The queryset's own conditions are compiled by the ORM (`_within`). Each
    fragment below is a pair (SQL, parameters); `%s` marks every value.
    """
    name = connections[queryset.db].ops.quote_name
    table = name(Article._meta.db_table)
    pk, published_at, config = (
        f"{table}.{name(c)}" for c in ("id", "published_at", "search_config")
    )
    head, body = f"{table}.{name('search_head')}", f"{table}.{name('search_vector')}"
    title = f"ts_filter({head}, '{{a}}')"  # the expression of migration 0016's index
    within = _within(queryset, pk)
    parsed = "websearch_to_tsquery(%s::regconfig, %s)"  # the query, parsed by one config

    def per_config(template, joiner):
        """`template` once per configuration, joined by `joiner`: its first `%s` is the
        configuration, each `{query}` the query parsed by it."""
        parses = template.count("{query}")
        return (
            joiner.join(template.replace("{query}", parsed) for _ in configs),
            [value for c in configs for value in (c, *(c, query) * parses)],
        )

    def in_own_config(condition):
        """`condition` (with `{query}`) for the rows of each configuration (the index's
        constant query per configuration), OR-ed."""
        sql, params = per_config(f"({config} = %s AND {condition})", " OR ")
        return f"({sql})", params

    def pairs_in(vector):
        return in_own_config(f"{vector} @@ articles_search_pairs({{query}})")

    def join(*fragments):
        return (
            " ".join(sql for sql, _ in fragments),
            [value for _, params in fragments for value in params],
        )

    def tier(condition, limit, by_head=False):
        rank = per_config(f"WHEN {config} = %s THEN ts_rank({head}, {{query}})", " ")
        return join(
            (f"(SELECT {pk} FROM {table} WHERE", []),
            within,
            ("AND", []),
            condition,
            ("ORDER BY", []),
            *([("CASE", []), rank, ("END DESC,", [])] if by_head else []),
            (f"{published_at} DESC, {pk} DESC LIMIT %s)", [limit]),
        )

    title_pairs = pairs_in(title)
    title_tier = tier(title_pairs, RANKED_CANDIDATES, by_head=True)
    # Words that (almost) no title holds: rank the heads instead. That reads a row per head
    # match, so PostgreSQL runs it only then (a condition evaluated once).
    few_in_titles = join(
        (f"NOT EXISTS (SELECT 1 FROM {table} WHERE", []),
        within,
        ("AND", []),
        title_pairs,
        ("LIMIT 1 OFFSET %s) AND", [ENOUGH_TITLES - 1]),
    )
    head_tier = tier(join(few_in_titles, pairs_in(head)), RANKED_CANDIDATES, by_head=True)
    if _has_phrase(query):
        # The query's words anywhere: its phrases relaxed to AND and its exclusions left out
        # (`querytree`), so the index answers without reading a row; a superset of the
        # query's matches, checked below. A query of exclusions alone ('T') stays itself.
        loose = (
            "CASE WHEN querytree({query}) = 'T' THEN {query} ELSE "
            r"regexp_replace(querytree({query}), ' <[0-9-]+> ', ' & ', 'g')::tsquery END"
        )
        body_tier = tier(in_own_config(f"{body} @@ {loose}"), PHRASE_BODY_CANDIDATES)
    else:
        body_tier = tier(in_own_config(f"{body} @@ {{query}}"), BODY_CANDIDATES)
    row_query = f"websearch_to_tsquery({config}::regconfig, %s)"  # by the row's own config
    # A title candidate may lack a word (it has two of three), a head candidate hold an
    # excluded word in its body, a loose body candidate a phrase's words apart.
    whole_query = ("", []) if _plain_words(query) else (f"AND {body} @@ {row_query}", [query])
    sql, params = join(
        (f"SELECT {pk} FROM {table} WHERE", []),
        within,
        (f"AND {pk} IN (", []),
        title_tier,
        ("UNION ALL", []),
        head_tier,
        ("UNION ALL", []),
        body_tier,
        (")", []),
        whole_query,
        (f"ORDER BY ts_rank({body}, {row_query}) DESC, {published_at} DESC, {pk} DESC", [query]),
        ("LIMIT %s", [MAX_RESULTS]),
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _within(queryset, id_column):
    """SQL for "a row of `queryset`" inside a subquery on the articles table: its own
    conditions when it reads that table alone, else membership of its ids. A pair (SQL,
    parameters)."""
    own = queryset.own_conditions()
    if own is not None:
        return own
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return f"{id_column} IN ({sql})", list(params)


def _id_array(ids):
    """`ids` as one bigint[] parameter (a `pk__in` list sends, and prepares, one per id)."""
    return Cast(Value(ids, output_field=Field()), ArrayField(BigIntegerField()))


class _IsAnyOf(Lookup):
    """`lhs = ANY(array)`: an index lookup of every element of a PostgreSQL array."""

    lookup_name = "is_any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def _fallback_terms(query):
    words = re.findall(r"\w[\w'’-]*", query)
    terms = (word.lower() for word in words if word.lower() not in FALLBACK_STOP_WORDS)
    return list(dict.fromkeys(terms))[:MAX_FALLBACK_TERMS]


def _search_fallback(queryset, query):
    terms = _fallback_terms(query)
    if not terms:
        return queryset.none()
    rank = Value(0)
    for term in terms:
        by_author = Exists(
            ArticleAuthor.objects.filter(article=OuterRef("pk"), author__name__icontains=term)
        )
        queryset = queryset.filter(
            Q(title__icontains=term)
            | Q(dek__icontains=term)
            | Q(summary__icontains=term)
            | Q(body__icontains=term)
            | Q(by_author)
        )
        rank = rank + Case(
            When(title__icontains=term, then=Value(8)),
            When(Q(dek__icontains=term) | Q(summary__icontains=term), then=Value(4)),
            When(by_author, then=Value(4)),
            default=Value(1),
            output_field=IntegerField(),
        )
    snippet = _escape_sql(F("summary"))  # never the dek: the card shows it already
    for term in terms:
        if term in ENTITY_NAMES:
            continue
        for variant in dict.fromkeys([term, term.capitalize(), term.upper()]):
            snippet = Replace(
                snippet,
                Value(variant),
                Value(f"<mark>{escape(variant)}</mark>"),
                output_field=TextField(),
            )
    return queryset.annotate(search_rank=rank, search_snippet=snippet).order_by(
        "-search_rank", "-published_at", "-pk"
    )


def refresh_search_vectors(article_ids):
    """Recompute the stored vectors of these articles (an author they name was renamed). The
    caller holds their row locks, in the write path's lock order (`articles.services`)."""
    if connection.vendor != "postgresql" or not article_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Article._meta.db_table} "
            "SET search_vector = articles_search_document("
            "search_config::regconfig, title, dek, summary, body, id), "
            "search_head = articles_search_head_document("
            "search_config::regconfig, title, dek, summary, id) "
            "WHERE id = ANY(%s)",
            [sorted(article_ids)],
        )


def matching(queryset, query):
    """`queryset` narrowed to articles matching `query` anywhere (title, dek, summary, body,
    author names), in its own order: the admin's search. PostgreSQL uses the stored vector and
    its GIN index (plus the title, for partial words); SQLite a simple substring match."""
    query = clean_query(query)
    if not query:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        return queryset.alias(search_match=search_vector_column()).filter(
            _matching(query, _configs(None)) | Q(title__icontains=query)
        )
    words = Q()
    for word in query.split():
        words &= (
            Q(title__icontains=word)
            | Q(dek__icontains=word)
            | Q(summary__icontains=word)
            | Q(body__icontains=word)
            | Q(article_authors__author__name__icontains=word)
        )
    return queryset.filter(pk__in=queryset.model.objects.filter(words).values("pk"))


@contextmanager
def search_vectors_after(articles, *, later=None):
    """Write these new articles and their bylines inside: their vectors (which name the
    authors) are then computed once, at the end, instead of on the article's insert and again
    on its byline's (PostgreSQL; migration 0014). An error inside rolls the setting back with
    the savepoint it leaves. `later(ids)`: called with the articles' ids once the transaction
    commits, to compute them then (a large import, on another connection) instead of here."""
    if connection.vendor != "postgresql":
        yield
        return
    _defer_search_vectors("on")
    yield
    _defer_search_vectors("off")
    ids = [article.pk for article in articles]
    if later is None:
        refresh_search_vectors(ids)
    else:
        transaction.on_commit(lambda: later(ids))


def _defer_search_vectors(value):
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('articles.defer_search_vectors', %s, true)", [value])
