"""The search itself, timed in-process: ranking, count and a page of 20 with snippets.

    python -m bench.search_timing --database-url postgres://…/cpc_bench_100k

Runs `articles.search.search_articles` as the /search/ view does (published articles,
no body, 20 per page), each of `bench.run.SEARCH_QUERIES` `--repeat` times, and
prints one JSON line: p50 and p95 in milliseconds, and how close the ranking comes to
ranking every match: for each query, the share of its first page of 20 that is also in
the first 20 of an exhaustive ordering of all matches by `ts_rank` (same tie-breakers:
newest first, then highest id); `overlap` is the mean over the queries, `overlap_min` the
lowest, `overlaps` each query's; `held_out` the same for `HELD_OUT_QUERIES`, queries
written after the search's bounds were first chosen on the 16 (words never in a title
among them). No HTTP and no template: the page's own figure comes from the load run.
"""

import argparse
import json
import os
import statistics
import time

from . import env as bench_env

PAGE_SIZE = 20
# Not timed; written after the search's bounds were first chosen on the 16: single words in
# titles and (oil, gas, sea) only in bodies, summaries and deks, pairs, three words, a
# phrase, an exclusion, a rare made-up word.
HELD_OUT_QUERIES = [
    "oil",
    "gas",
    "armenia",
    "ashgabat ceasefire",
    "carbon emissions",
    "copper cotton",
    "digital economy",
    '"caspian sea"',
    "energy -oil",
    "bank debt currency",
    "balance budget",
    "aktau port",
    "border customs",
    "teltoba",
    "cyber data",
    "sea level",
]


def exhaustive_first_page(queryset, query):
    """The ids of the first PAGE_SIZE of every match of `query` ordered by `ts_rank` of the
    whole stored vector: what a search that ranked the whole archive would list first."""
    from django.contrib.postgres.search import SearchRank

    from articles import search

    query = search.clean_query(query)
    ranked = (
        queryset.alias(search_match=search.search_vector_column())
        .filter(search._matching(query, search._configs(None)))
        .annotate(rank=SearchRank(search.search_vector_column(), search._row_query(query)))
        .order_by("-rank", "-published_at", "-pk")
    )
    return list(ranked.values_list("pk", flat=True)[:PAGE_SIZE])


def overlaps(queries):
    """Per query: the share of the search's first page also in the exhaustive first page."""
    from articles.models import Article
    from articles.search import search_articles

    shares = {}
    for query in queries:
        published = Article.objects.published()
        found = list(search_articles(published, query).values_list("pk", flat=True)[:PAGE_SIZE])
        best = exhaustive_first_page(published, query)
        shares[query] = len(set(found) & set(best)) / len(best) if best else 1.0
    return shares


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    os.environ["BENCH_DATABASE_URL"] = args.database_url
    bench_env.apply(bench_env.production_env(response_cache=False))

    import django

    django.setup()
    from django.core.paginator import Paginator

    from articles.models import Article
    from articles.search import search_articles

    from .run import SEARCH_QUERIES

    def search_page(query):
        results = search_articles(Article.objects.published(), query)
        page = Paginator(results.defer("body"), PAGE_SIZE).page(1)
        return [article.search_snippet for article in page.object_list], page.paginator.count

    for query in SEARCH_QUERIES:  # connections and plans warm
        search_page(query)
    timings = []
    for _ in range(args.repeat):
        for query in SEARCH_QUERIES:
            started = time.perf_counter()
            search_page(query)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    shares = overlaps(SEARCH_QUERIES)
    held_out = overlaps(HELD_OUT_QUERIES)
    print(
        json.dumps(
            {
                "p50": statistics.median(timings),
                "p95": timings[int(len(timings) * 0.95) - 1],
                "count": len(timings),
                "overlap": statistics.mean(shares.values()),
                "overlap_min": min(shares.values()),
                "overlaps": shares,
                "held_out": {
                    "overlap": statistics.mean(held_out.values()),
                    "overlap_min": min(held_out.values()),
                    "overlaps": held_out,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
