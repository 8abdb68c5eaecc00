"""Full-text search over articles: the one function pages and the API call.

PostgreSQL: the weighted `search_vector` column (title A; dek, summary, author names B;
body C) that migration 0003 adds and database triggers maintain, a GIN index, `websearch`
query syntax ("quoted phrases", or, -exclusions), `ts_rank` ordering and `ts_headline`
snippets. SQLite (development): every word must appear in the title, dek, summary, body or
an author's name; matches in the title count most.

Every step is SQL, so cost does not grow with Python work per row.
"""

import re

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connections
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Col
from django.db.models.functions import Coalesce, Concat, Left, NullIf, Replace
from django.utils.html import escape

from .models import Article, ArticleAuthor

SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
MAX_FALLBACK_TERMS = 8
# Ranking needs every match's vector. Rank only the most recent matches, so a query that
# matches half of a large archive stays fast; the planner then walks published_at.
MAX_RANKED_CANDIDATES = 200
# A quoted phrase is checked on the newest articles that contain all of its words.
MAX_PHRASE_CANDIDATES = 200
SNIPPET_SOURCE_CHARS = 1500
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


def search_articles(queryset, query):
    """`queryset` filtered to matches of `query`, best first.

    Annotates `search_rank` and `search_snippet`: an HTML-safe fragment of the text with
    the matching words in <mark>, safe to render with `|safe`. An empty query matches nothing.
    """
    query = clean_query(query)
    if not query:
        return queryset.none()
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        return _search_postgresql(queryset, query)
    return _search_fallback(queryset, query)


def search_vector_column():
    """PostgreSQL's stored `search_vector` column of articles (kept by triggers, GIN-indexed),
    as an expression that survives subquery relabelling."""
    field = SearchVectorField()
    field.set_attributes_from_name("search_vector")
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


class _LooseSearchQuery(SearchQuery):
    """The websearch query with its phrase operators (`<->`, `<N>`) relaxed to AND.

    It matches every article the exact query matches and more, and needs no word
    positions, so the GIN index answers it without reading a row's vector; a constant
    expression of the query text, so the planner folds it and can use the index.
    """

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return f"regexp_replace(({sql})::text, ' <[0-9-]+> ', ' & ', 'g')::tsquery", params


def _has_phrase(query):
    """Whether the query has a quoted phrase that can be relaxed safely: not under a
    minus sign (relaxing `-"a b"` would leave out articles with a and b apart)."""
    return '"' in query and "-" not in query


def _search_postgresql(queryset, query):
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    if _has_phrase(query):
        # Checking a phrase reads each candidate's word positions (its whole vector).
        # Find the newest articles with all the words through the index first, then check
        # the phrase on those only: the work is bounded however rare the phrase is.
        candidate_query = _LooseSearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        candidate_limit = MAX_PHRASE_CANDIDATES
    else:
        candidate_query = search_query
        candidate_limit = MAX_RANKED_CANDIDATES
    candidates = (
        queryset.alias(search_match=search_vector_column())
        .filter(search_match=candidate_query)
        .order_by("-published_at", "-pk")
        .values("pk")[:candidate_limit]
    )
    matches = queryset.filter(pk__in=candidates)
    if candidate_query is not search_query:
        matches = matches.alias(search_match=search_vector_column()).filter(
            search_match=search_query
        )
    document = Concat(
        _escape_sql(F("dek")),
        Value(" · "),
        _escape_sql(F("summary")),
        Value(" · "),
        # Only the start of the body: stripping the tags of a whole long body costs more
        # than the headline itself.
        Left(_strip_tags_sql(Left(F("body"), SNIPPET_MARKUP_CHARS)), SNIPPET_SOURCE_CHARS),
        output_field=TextField(),
    )
    return matches.annotate(
        search_rank=SearchRank(search_vector_column(), search_query),
        search_snippet=SearchHeadline(
            document, search_query, config=SEARCH_CONFIG, **HEADLINE_OPTIONS
        ),
    ).order_by("-search_rank", "-published_at", "-pk")


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
    snippet = _escape_sql(
        Coalesce(NullIf(F("summary"), Value("")), F("dek"), output_field=TextField())
    )
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
