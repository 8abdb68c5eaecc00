"""Writes for related articles: scoring and storing suggestions, pinning, hiding, reverse links.

Suggestions are computed after an article is published or changed (a job on the task queue,
`related.tasks`), stored as `Suggestion` rows and read as they are: reading a page never
scores anything. Each computation looks at a bounded candidate pool (articles sharing a
topic or an author, plus the most recent published articles), never at the whole corpus.
Scores are computed before the write transaction; storing them is an upsert under the
article's row lock (the write path's lock order), so concurrent refreshes never collide, and a
live article whose block changed gets its `updated` event.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Max, Q

from articles import services as article_services
from articles.models import Article, ArticleAuthor, ArticleTopic
from articles.policy import policy
from articles.revisions import system_user
from articles.search import search_vector_column

from .models import HiddenSuggestion, RelatedLink, Suggestion
from .selectors import related_items

# How many suggestions are stored per article: more than the block shows, so that
# hiding, pinning or unpublishing one still leaves enough to fill the block.
STORED_SUGGESTIONS = 10
# Candidate pool per computation: articles sharing a topic / an author, and the most recent.
POOL_PER_SOURCE = 150
RECENT_POOL = 150
# How many other articles get their suggestions recomputed when one article changes.
AFFECTED_LIMIT = 12
# Articles whose features one refresh or rebuild keeps in memory at most (about 1 KB each).
FEATURE_CACHE_SIZE = 5000
# Words of an article (the most distinctive first) sent to PostgreSQL full-text ranking.
FULLTEXT_TERMS = 8
# PostgreSQL: full-text matches looked at (newest first), and how many of the best join the pool.
FULLTEXT_MATCHES = 1000
FULLTEXT_POOL = 50

WEIGHTS = {"topics": 3.0, "authors": 1.5, "text": 4.0, "recency": 0.5}

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just may me might more most must my new no nor not now of off on once only or other
    our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours""".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)


def tokens(text):
    """Content words of `text`: lower-cased, without stop words, crudely singularised."""
    words = []
    for word in _WORD.findall((text or "").lower()):
        if len(word) < 3 or word in STOPWORDS or word.isdigit():
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return words


def _term_counts(article):
    """Title words count twice: they say most about what an article is about."""
    counts = Counter(tokens(article.title))
    counts.update(counts)  # double the title
    counts.update(tokens(article.dek))
    counts.update(tokens(article.summary))
    return counts


def _text_similarity(own_vector, own_norm, terms, idf):
    """Cosine of tf-idf vectors; the candidate's norm only when it shares a word."""
    dot = sum(
        weight * terms[term] * idf[term] for term, weight in own_vector.items() if term in terms
    )
    if not dot:
        return 0.0
    norm = math.sqrt(sum((count * idf[term]) ** 2 for term, count in terms.items()))
    return dot / (own_norm * norm)


def _set_cosine(a, b):
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def _candidate_ids(article, topic_ids, author_ids):
    """A bounded pool: live articles sharing a topic or an author, and the most recent ones."""
    live = Article.objects.published().exclude(pk=article.pk)
    ids = set()
    if topic_ids:
        ids.update(
            live.filter(article_topics__topic_id__in=topic_ids)
            .order_by("-published_at", "-pk")
            .values_list("pk", flat=True)
            .distinct()[:POOL_PER_SOURCE]
        )
    if author_ids:
        ids.update(
            live.filter(article_authors__author_id__in=author_ids)
            .order_by("-published_at", "-pk")
            .values_list("pk", flat=True)
            .distinct()[:POOL_PER_SOURCE]
        )
    ids.update(live.order_by("-published_at", "-pk").values_list("pk", flat=True)[:RECENT_POOL])
    return ids - _excluded_ids(article)


def _excluded_ids(article):
    """Never suggested for `article`: itself, what editors hid, what they already link to."""
    return (
        {article.pk}
        | set(HiddenSuggestion.objects.filter(article=article).values_list("hidden_id", flat=True))
        | set(
            RelatedLink.objects.filter(from_article=article).values_list("to_article_id", flat=True)
        )
    )


def _fulltext_candidate_ids(terms, known_ids, config):
    """PostgreSQL only: the live articles anywhere in the corpus that best match the article's
    distinctive words, through the GIN index, so similar older articles are found too. Only
    articles stemmed like it (its language's configuration) are searched this way."""
    if not terms:
        return []
    query = _any_of(terms, config)
    matches = (
        Article.objects.published()
        .filter(search_config=config)
        .alias(document=search_vector_column())
        .filter(document=query)
        .exclude(pk__in=known_ids)
        .order_by("-published_at", "-pk")
        .values("pk")[:FULLTEXT_MATCHES]
    )
    return list(
        Article.objects.filter(pk__in=matches)
        .annotate(match_rank=SearchRank(search_vector_column(), query))
        .order_by("-match_rank", "-published_at", "-pk")
        .values_list("pk", flat=True)[:FULLTEXT_POOL]
    )


def _any_of(terms, config):
    query = None
    for term in sorted(terms):
        part = SearchQuery(term, config=config)
        query = part if query is None else query | part
    return query


@dataclass(frozen=True)
class Features:
    """What scoring needs to know of one article."""

    pk: int
    published_at: object
    terms: Counter
    topics: frozenset
    authors: frozenset


class FeatureCache:
    """Features of articles, read in bulk and kept for one refresh (neighbours share pools)."""

    def __init__(self, max_size=None):
        self._features = {}
        self.max_size = max_size or FEATURE_CACHE_SIZE

    def __len__(self):
        return len(self._features)

    def get(self, ids):
        missing = [pk for pk in ids if pk not in self._features]
        if len(self._features) + len(missing) > self.max_size:
            self._features = {pk: self._features[pk] for pk in ids if pk in self._features}
            missing = [pk for pk in ids if pk not in self._features]
        for start in range(0, len(missing), 500):
            self._load(missing[start : start + 500])
        return {pk: self._features[pk] for pk in ids if pk in self._features}

    def _load(self, ids):
        topics, authors = {}, {}
        for article_id, topic_id in ArticleTopic.objects.filter(article_id__in=ids).values_list(
            "article_id", "topic_id"
        ):
            topics.setdefault(article_id, set()).add(topic_id)
        for article_id, author_id in ArticleAuthor.objects.filter(article_id__in=ids).values_list(
            "article_id", "author_id"
        ):
            authors.setdefault(article_id, set()).add(author_id)
        for article in Article.objects.filter(pk__in=ids).only(
            "pk", "title", "dek", "summary", "published_at"
        ):
            self._features[article.pk] = Features(
                pk=article.pk,
                published_at=article.published_at,
                terms=_term_counts(article),
                topics=frozenset(topics.get(article.pk, ())),
                authors=frozenset(authors.get(article.pk, ())),
            )


def _fulltext_ranks(candidate_ids, terms, config):
    """PostgreSQL full-text rank of each candidate against the article's words, scaled to 0..1."""
    if not terms or not candidate_ids:
        return {}
    query = _any_of(terms, config)
    vector = (
        SearchVector("title", weight="A", config=config)
        + SearchVector("dek", weight="B", config=config)
        + SearchVector("summary", weight="B", config=config)
    )
    ranks = dict(
        Article.objects.filter(pk__in=candidate_ids)
        .annotate(rank=SearchRank(vector, query, normalization=1))
        .values_list("pk", "rank")
    )
    top = max(ranks.values(), default=0) or 1
    return {pk: rank / top for pk, rank in ranks.items()}


def _weigh(own, candidates):
    """Inverse document frequency over the pool (words every article uses count for little),
    and the article's own tf-idf vector."""
    frequency = Counter()
    for candidate in candidates:
        frequency.update(candidate.terms.keys())
    size = len(candidates) + 1
    idf = {
        term: math.log((size + 1) / (frequency[term] + 1 + (term in own.terms)))
        for term in frequency.keys() | own.terms.keys()
    }
    return idf, {term: count * idf[term] for term, count in own.terms.items()}


def _distinctive(vector):
    best = sorted(vector, key=lambda term: (-vector[term], term))[:FULLTEXT_TERMS]
    return [term for term in best if vector[term] > 0]


def score_candidates(article, *, cache=None):
    """[(score, Features)] for `article`, best first, deterministic for the same data."""
    cache = cache or FeatureCache()
    own = cache.get([article.pk])[article.pk]
    candidates = list(cache.get(sorted(_candidate_ids(article, own.topics, own.authors))).values())
    if not candidates:
        return []

    idf, own_vector = _weigh(own, candidates)
    ranks = {}
    if connection.vendor == "postgresql":
        # ts_rank knows no corpus statistics: ask PostgreSQL about the distinctive words only.
        distinctive = _distinctive(own_vector)
        known = {c.pk for c in candidates} | _excluded_ids(article)
        extra = _fulltext_candidate_ids(distinctive, known, article.search_config)
        if extra:
            candidates += cache.get(extra).values()
            idf, own_vector = _weigh(own, candidates)
        ranks = _fulltext_ranks(
            [c.pk for c in candidates], _distinctive(own_vector), article.search_config
        )
    own_norm = math.sqrt(sum(weight * weight for weight in own_vector.values()))
    reference = own.published_at or max(c.published_at for c in candidates)
    newest = max(c.published_at for c in candidates)

    scored = []
    for candidate in candidates:
        text = _text_similarity(own_vector, own_norm, candidate.terms, idf)
        if ranks:
            text = (text + ranks.get(candidate.pk, 0.0)) / 2
        closeness = 1 / (1 + abs((reference - candidate.published_at).days) / 180)
        freshness = 1 / (1 + (newest - candidate.published_at).days / 365)
        score = (
            WEIGHTS["topics"] * _set_cosine(own.topics, candidate.topics)
            + WEIGHTS["authors"] * _set_cosine(own.authors, candidate.authors)
            + WEIGHTS["text"] * text
            + WEIGHTS["recency"] * (closeness + freshness) / 2
        )
        scored.append((round(score, 9), candidate))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].published_at.timestamp(), -pair[1].pk))
    return scored


def best_suggestions(article, *, cache=None):
    """[(score, suggested id)] to store for `article`, best first."""
    return [
        (score, candidate.pk)
        for score, candidate in score_candidates(article, cache=cache)[:STORED_SUGGESTIONS]
    ]


def _store_suggestions(unit, article, best):
    """Store `best` as the article's suggestions (an upsert; the article is locked). A live
    article whose related block now shows something else gets its `updated` event."""
    before = [item.article.pk for item in related_items(article)]
    keep = [pk for _, pk in best]
    for stale in Suggestion.objects.filter(article=article).exclude(suggested_id__in=keep):
        stale.delete()
    Suggestion.objects.bulk_create(
        [
            Suggestion(article=article, suggested_id=pk, score=score, rank=rank)
            for rank, (score, pk) in enumerate(best)
        ],
        update_conflicts=True,
        unique_fields=["article", "suggested"],
        update_fields=["score", "rank"],
    )
    if article.is_live and [item.article.pk for item in related_items(article)] != before:
        unit.touch(article, shows_change=True)


def affected_article_ids(article, *, suggested, limit=AFFECTED_LIMIT):
    """Articles whose suggestions `article` may enter or leave, at most `limit`: those that
    suggest it now, those it will suggest (`suggested`: similarity is mutual), then the newest
    sharing a topic or an author."""
    suggesting = (
        Suggestion.objects.filter(suggested=article)
        .order_by("-article__published_at", "-article_id")
        .values_list("article_id", flat=True)[:limit]
    )
    suggested = suggested[:limit]
    shares = Q()
    topic_ids = list(article.article_topics.values_list("topic_id", flat=True))
    author_ids = list(article.article_authors.values_list("author_id", flat=True))
    if topic_ids:
        shares |= Q(article_topics__topic_id__in=topic_ids)
    if author_ids:
        shares |= Q(article_authors__author_id__in=author_ids)
    sharing = []
    if shares:
        sharing = (
            Article.objects.published()
            .exclude(pk=article.pk)
            .filter(shares)
            .order_by("-published_at", "-pk")
            .values_list("pk", flat=True)
            .distinct()[:limit]
        )
    return list(dict.fromkeys([*suggesting, *suggested, *sharing]))[:limit]


def refresh_suggestions(*, article_ids):
    """Recompute and store the suggestions of these articles and of those they affect."""
    cache = FeatureCache()
    planned = {}
    for article in Article.objects.originals().filter(pk__in=article_ids).order_by("pk"):
        planned[article.pk] = best_suggestions(article, cache=cache)
        for other_id in affected_article_ids(
            article, suggested=[pk for _, pk in planned[article.pk]]
        ):
            planned.setdefault(other_id, None)
    for other in Article.objects.filter(pk__in=[k for k, v in planned.items() if v is None]):
        planned[other.pk] = best_suggestions(other, cache=cache)
    _write_suggestions(planned, reason="Related suggestions refreshed")


def rebuild_article_suggestions(*, article, cache=None):
    """Recompute the suggestions of `article` alone (the full rebuild passes one `cache`)."""
    _write_suggestions({article.pk: best_suggestions(article, cache=cache)}, reason="Rebuilt")


def rebuild_all_suggestions(*, chunk_size=500, progress=None):
    """Recompute the suggestions of every article, a bounded chunk of ids at a time (keyset
    pagination; the feature cache forgets old entries past its size). Returns the count."""
    cache = FeatureCache()
    ids = Article.objects.order_by("pk").values_list("pk", flat=True)
    done, last_pk = 0, 0
    while chunk := list(ids.filter(pk__gt=last_pk)[:chunk_size]):
        for article in Article.objects.filter(pk__in=chunk).order_by("pk"):
            rebuild_article_suggestions(article=article, cache=cache)
            done += 1
            if progress:
                progress(done)
        last_pk = chunk[-1]
    return done


def _write_suggestions(planned, *, reason):
    with article_services.writing(user=system_user(), reason=reason) as unit:
        for article in unit.lock(sorted(planned)).values():
            _store_suggestions(unit, article, planned[article.pk])


def pin_suggestion(*, article, suggested, user):
    """Turn a suggestion into a curated link at the end of the editors' list."""
    if suggested.pk == article.pk:
        raise ValueError("An article cannot be related to itself.")
    reason = f"Pinned “{suggested.title}” as a related article"
    with article_services.changing_articles(articles=[article], user=user, reason=reason) as (
        current,
    ):
        link = RelatedLink.objects.filter(from_article=current, to_article=suggested).first()
        if link is None:
            link = RelatedLink(
                from_article=current, to_article=suggested, order=_next_order(current)
            )
            link.save()
        for row in Suggestion.objects.filter(article=current, suggested=suggested):
            row.delete()
    return link


def hide_suggestion(*, article, hidden, user):
    """Exclude `hidden` from the suggestions of `article` and refill the block."""
    _change_hidden(article, hidden, user, hide=True)


def unhide_suggestion(*, article, hidden, user):
    _change_hidden(article, hidden, user, hide=False)


def _change_hidden(article, hidden, user, *, hide):
    """Suggestions belong to the live article: hiding one changes what readers see."""
    article = article.working_copy_of or article
    reason = f"{'Hid' if hide else 'Unhid'} the suggestion “{hidden.title}”"
    with article_services.changing_articles(articles=[article], user=user, reason=reason) as (
        current,
    ):
        rows = HiddenSuggestion.objects.filter(article=current, hidden=hidden)
        if hide and not rows.exists():
            HiddenSuggestion(article=current, hidden=hidden).save()
        if not hide:
            for row in rows:
                row.delete()  # one by one, so history records each
        unit = article_services.current_unit()
        _store_suggestions(unit, current, best_suggestions(current))


def add_reverse_link(*, link, user):
    """Also link back from the target of `link` to its source, unless that link exists.

    Runs inside the save of the source article (which it holds): the target is taken only if
    nobody else is saving it right now (no lock waits in the wrong order). Returns the link,
    or None when the target is busy.
    """
    with article_services.writing(user=user) as unit:
        target = unit.lock([link.to_article_id], skip_locked=True).get(link.to_article_id)
        if target is None or not policy.may_change_directly(user, target):
            return None
        reverse = RelatedLink.objects.filter(from_article=target, to_article=link.from_article_id)
        if not reverse.exists():
            reverse = RelatedLink(
                from_article=target, to_article_id=link.from_article_id, order=_next_order(target)
            )
            reverse.save()
            unit.touch(target, reason="Reverse related link added")
        return reverse if isinstance(reverse, RelatedLink) else reverse.first()


def _next_order(article):
    highest = RelatedLink.objects.filter(from_article=article).aggregate(top=Max("order"))["top"]
    return 0 if highest is None else highest + 1
