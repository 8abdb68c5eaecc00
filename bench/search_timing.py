"""The search itself, timed in-process: ranking, count and a page of 20 with snippets.

    python -m bench.search_timing --database-url postgres://…/cpc_bench_100k

Runs `articles.search.search_articles` as the /search/ view does (published articles,
no body, 20 per page), each of `bench.run.SEARCH_QUERIES` `--repeat` times, and
prints one JSON line: p50 and p95 in milliseconds. No HTTP and no template: the page's
own figure comes from the load run.
"""

import argparse
import json
import os
import statistics
import time

from . import env as bench_env


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
        page = Paginator(results.defer("body"), 20).page(1)
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
    print(
        json.dumps(
            {
                "p50": statistics.median(timings),
                "p95": timings[int(len(timings) * 0.95) - 1],
                "count": len(timings),
            }
        )
    )


if __name__ == "__main__":
    main()
