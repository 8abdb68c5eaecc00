"""Load benchmark: gunicorn with production settings on 127.0.0.1, wrk from a second process.

    python -m bench.run                      # `make bench`
    python -m bench.run --runs 5 --duration 10

Needs the benchmark database (`python -m bench.generate`; generated with 10,000 articles
when missing). Starts gunicorn twice: once with the response cache off (cold: every
request renders, fragment caches allowed) and once with it on (warm). In each, every
scenario, the floor included, runs `--runs` times in interleaved rounds; each figure is the
median. Ratios compare to the floor of the same server run. Query counts come from the
Django test client in this process (cold: cache off; warm: second request). With
`--search-database-url` (default: `cpc_bench_100k` when it exists) the search scenario is
also measured on that database for its p95. Writes bench/RESULTS.md.

Two more phases run in the warm server (skipped by `--only` unless it names the article,
home and API list scenarios):

- right after a change: before each run of the article pages, the home page and the API
  list, this process publishes one draft through the services (`publish_article`, a change
  readers see: the content generation is replaced), then wrk starts at once;
- drafts being edited: a thread of this process autosaves, saves a draft and saves the
  working copy of a live article (one of them every second, through the services) while wrk
  loads those pages in turn; the responses' `X-Cache` header gives the hit rate (> 99%).

Both publish and save in the benchmark database: it drifts from the generated one (more
published articles, autosave slots, working copies) until `bench.generate` runs again.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import env as bench_env

HOST = "127.0.0.1"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SEARCH_QUERIES = [
    "pipeline",
    "energy security",
    "caspian gas exports",
    '"middle corridor"',
    "sanctions -russia",
    "railway port logistics",
    "azerbaijan kazakhstan",
    "hydrogen renewables transition",
    "uranium",
    "kazantel",
    "baku tbilisi",
    "critical minerals lithium",
    "drought irrigation",
    "inflation currency",
    "karabakh peace settlement",
    "offshore reserves production",
]
# What every browser and HTTP library sends; responses are stored compressed.
CLIENT_HEADERS = ["Accept-Encoding: gzip"]
NOTES_HEADING = "## Notes"  # RESULTS.md from here on is written by hand and kept


@dataclass
class Scenario:
    name: str
    label: str
    paths: list
    headers: list = field(default_factory=list)


@dataclass
class Measure:
    rps: list = field(default_factory=list)
    p50: list = field(default_factory=list)
    p95: list = field(default_factory=list)
    p99: list = field(default_factory=list)
    errors: int = 0
    bad_status: int = 0
    cache_hits: int = 0
    cache_misses: int = 0

    def add(self, figures):
        for key in ("rps", "p50", "p95", "p99"):
            getattr(self, key).append(figures[key])
        for key in ("errors", "bad_status", "cache_hits", "cache_misses"):
            setattr(self, key, getattr(self, key) + figures[key])

    @property
    def hit_rate(self):
        counted = self.cache_hits + self.cache_misses
        return self.cache_hits / counted if counted else 0.0


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd, *, env=None, timeout=600, check=True):
    return subprocess.run(
        cmd,
        env={**os.environ, **(env or {})},
        cwd=bench_env.ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


# --- Database and samples (in this process, Django configured with production settings) ---


def ensure_database(article_count):
    import psycopg

    url = bench_env.database_url()
    try:
        with psycopg.connect(_dsn(url)) as conn:
            rows = conn.execute("SELECT count(*) FROM articles_article").fetchone()[0]
    except psycopg.Error:
        rows = 0
    if rows == 0:
        log(f"no benchmark data in {url}: generating {article_count} articles")
        subprocess.run(
            [sys.executable, "-m", "bench.generate", "--articles", str(article_count)],
            cwd=bench_env.ROOT,
            check=True,
            timeout=3600,
        )


def _dsn(url):
    import dj_database_url

    parsed = dj_database_url.parse(url)
    return (
        f"host={parsed['HOST']} port={parsed['PORT'] or 5432} dbname={parsed['NAME']} "
        f"user={parsed['USER']}" + (f" password={parsed['PASSWORD']}" if parsed["PASSWORD"] else "")
    )


def database_has_articles(url):
    import psycopg

    try:
        with psycopg.connect(_dsn(url), connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM articles_article").fetchone()[0]
    except psycopg.Error:
        return 0


def setup_django():
    bench_env.apply(bench_env.production_env())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def bench_keys():
    """Two partner keys for the keyed scenarios (made anew each run: a key is shown once):
    one without the embargo scope (it shares the anonymous entries) and one with it (entries
    of its own). Their rate is high enough never to throttle the load generator."""
    from partners.models import PartnerKey

    PartnerKey.objects.filter(partner="Benchmark").delete()
    keys = {}
    for name, embargo in (("plain", False), ("embargo", True)):
        _, keys[name] = PartnerKey.objects.create_key(
            name=name,
            partner="Benchmark",
            can_see_embargoed=embargo,
            throttle_rate="1000000/second",
        )
    return keys


def scenarios(slug_count):
    from articles.models import Article, Author

    live = Article.objects.published()
    slugs = list(live.order_by("?").values_list("slug", flat=True)[:slug_count])
    author = (
        Author.objects.filter(article_links__article__in=live)
        .order_by("?")
        .values_list("slug", flat=True)
        .first()
    )
    etag = _etag(f"/articles/{slugs[0]}/")
    search = [f"/search/?q={_quote(q)}" for q in SEARCH_QUERIES]
    keys = bench_keys()
    return [
        Scenario("floor", "Floor: constant Django view", ["/_bench/floor/"]),
        Scenario("home", "Home page", ["/"]),
        Scenario(
            "article", f"Article page ({len(slugs)} slugs)", [f"/articles/{s}/" for s in slugs]
        ),
        Scenario("author", "Author page", [f"/authors/{author}/"]),
        Scenario("search", f"Search ({len(search)} queries)", search),
        Scenario("api_list", "API list, 20 per page", ["/api/v1/articles/?page_size=20"]),
        Scenario(
            "api_list_key",
            "API list, 20 per page, with a key",
            ["/api/v1/articles/?page_size=20"],
            [f"X-Api-Key: {keys['plain']}"],
        ),
        Scenario(
            "api_list_embargo_key",
            "API list, 20 per page, with an embargo-scope key",
            ["/api/v1/articles/?page_size=20"],
            [f"X-Api-Key: {keys['embargo']}"],
        ),
        Scenario(
            "api_detail",
            f"API detail ({len(slugs)} slugs)",
            [f"/api/v1/articles/{s}/" for s in slugs],
        ),
        Scenario(
            "conditional",
            "Conditional GET (304)",
            [f"/articles/{slugs[0]}/"],
            [f"If-None-Match: {etag}"],
        ),
    ]


def _quote(query):
    from urllib.parse import quote_plus

    return quote_plus(query)


def _etag(path):
    from django.test import Client

    return Client().get(path)["ETag"]


def count_queries(scenario_list):
    """SQL queries per request of each scenario: (no cache at all, fragments cached, warm hit)."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from cpc_site.caching import invalidate_content

    site = urlsplit(settings.SITE_URL).netloc  # stored renderings are served at its address

    def queries(path, extra, **caches):
        # Count right after the request: the next request start empties the query log.
        with override_settings(**caches), CaptureQueriesContext(connection) as captured:
            status = Client(HTTP_HOST=site).get(path, **extra).status_code
        assert status in (200, 304), (path, status)
        return len(captured)

    counts = {}
    for scenario in scenario_list:
        path = scenario.paths[0]
        headers = dict(h.split(": ", 1) for h in scenario.headers)
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        # Warming requests: the scenario's headers but no validator (the conditional one).
        plain = {k: v for k, v in extra.items() if k != "HTTP_IF_NONE_MATCH"}
        invalidate_content()
        uncached = queries(path, extra, RESPONSE_CACHE_SECONDS=0, FRAGMENT_CACHE_SECONDS=0)
        queries(path, plain, RESPONSE_CACHE_SECONDS=0, FRAGMENT_CACHE_SECONDS=600)
        fragments = queries(path, extra, RESPONSE_CACHE_SECONDS=0, FRAGMENT_CACHE_SECONDS=600)
        queries(path, plain, RESPONSE_CACHE_SECONDS=600, FRAGMENT_CACHE_SECONDS=600)
        warm = queries(path, extra, RESPONSE_CACHE_SECONDS=600, FRAGMENT_CACHE_SECONDS=600)
        counts[scenario.name] = (uncached, fragments, warm)
    invalidate_content()
    return counts


# --- Server and load generator ---


class Server:
    def __init__(self, port, *, response_cache, fragments=True, database_url=None, workers=2):
        self.port = port
        self.env = bench_env.production_env(response_cache=response_cache, fragments=fragments)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.workers = workers
        self.process = None
        self.max_rss_kb = 0

    def __enter__(self):
        cmd = [
            str(Path(sys.executable).with_name("gunicorn")),
            "cpc_site.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ]
        self.process = subprocess.Popen(
            cmd, cwd=bench_env.ROOT, env={**os.environ, **self.env}, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url("/_bench/floor/"), timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("gunicorn did not start within 60 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def url(self, path=""):
        return f"http://{HOST}:{self.port}{path}"

    def sample_rss(self):
        """Largest resident memory of a worker (children of the gunicorn master), in kB."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        for pid in children.read_text().split() if children.exists() else []:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            match = re.search(r"VmRSS:\s+(\d+)", status)
            if match:
                self.max_rss_kb = max(self.max_rss_kb, int(match.group(1)))
        return self.max_rss_kb


def wrk(server, scenario, *, duration, connections, threads, workdir, count_cache=False):
    paths_file = Path(workdir) / f"{scenario.name}.txt"
    paths_file.write_text("\n".join(scenario.paths) + "\n")
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(Path(__file__).with_name("rotate.lua")),
        server.url(),
        "--",
        str(paths_file),
        *(["count-cache"] if count_cache else []),
        *CLIENT_HEADERS,
        *scenario.headers,
    ]
    result = run(cmd, timeout=duration + 60)
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT "))
    data = json.loads(line.removeprefix("RESULT "))
    seconds = data["duration_us"] / 1e6
    return {
        "rps": data["requests"] / seconds if seconds else 0.0,
        "p50": data["p50_us"] / 1000,
        "p95": data["p95_us"] / 1000,
        "p99": data["p99_us"] / 1000,
        "errors": data["errors"],
        "bad_status": data["bad_status"],
        "cache_hits": data["cache_hits"],
        "cache_misses": data["cache_misses"],
    }


def prewarm(server, scenario_list, *, budget_seconds=600):
    """Request every path once (four at a time), so a warm run measures hits; bounded in time."""
    from concurrent.futures import ThreadPoolExecutor

    deadline = time.monotonic() + budget_seconds

    def fetch(path_and_headers):
        path, headers = path_and_headers
        if time.monotonic() > deadline:
            return
        try:
            request = urllib.request.Request(server.url(path), headers=headers)
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
        except urllib.error.URLError:
            pass

    paths = [
        # The client's headers too: gzip and plain answers are cached apart.
        (
            path,
            dict(
                h.split(": ", 1)
                for h in CLIENT_HEADERS + scenario.headers
                if not h.startswith("If-")
            ),
        )
        for scenario in scenario_list
        for path in scenario.paths
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(fetch, paths))


def measure(server, scenario_list, *, runs, duration, warmup, connections, threads, workdir):
    results = {s.name: Measure() for s in scenario_list}
    prewarm(server, scenario_list)
    for scenario in scenario_list:  # warm-up: fill the caches, start connections
        wrk(
            server,
            scenario,
            duration=warmup,
            connections=connections,
            threads=threads,
            workdir=workdir,
        )
    for round_number in range(1, runs + 1):
        for scenario in scenario_list:
            figures = wrk(
                server,
                scenario,
                duration=duration,
                connections=connections,
                threads=threads,
                workdir=workdir,
            )
            results[scenario.name].add(figures)
            server.sample_rss()
        log(f"  round {round_number}/{runs} done")
    return results


# --- Writes while readers read (in this process, through the services) ---

CHANGE_SCENARIOS = ("article", "home", "api_list")
# Nothing cached (response and fragment caches off): the render path itself, with the
# issue's targets (3× Wagtail 8.0.1 measured on this kind of 2-core machine: ~112, ~91 and
# ~9 req/s), in req/s.
UNCACHED_TARGETS = {"article": 350, "api_detail": 280, "api_list": 200}
# The same targets as shares of the floor, which carry over to other hardware: Wagtail's
# req/s as a share of its own floor (4,479 req/s) in that run, times three.
WAGTAIL_SHARE_OF_FLOOR = {
    "article": 111.5 / 4479,
    "api_detail": 91.3 / 4479,
    "api_list": 8.8 / 4479,
}
STATES = ("uncached", "cold", "warm", "changes")


def bench_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="bench")


def publish_one_draft(user):
    """Publish one draft (a change readers see); returns its slug. The cache is told after the
    commit, as in production (`cpc_site.apps`)."""
    from articles.models import Article
    from articles.services import publish_article

    draft = (
        Article.objects.filter(status=Article.Status.DRAFT, working_copy_of__isnull=True)
        .order_by("?")
        .first()
    )
    if draft is None:
        raise RuntimeError("no draft left to publish: regenerate with python -m bench.generate")
    publish_article(article=draft, user=user, reason="Benchmark: right after a change")
    return draft.slug


class DraftWriter(threading.Thread):
    """Every `interval` seconds, one edit no reader can see, in turn: an autosave of a draft,
    an autosave on a live article, a saved draft, a saved working copy of a live article."""

    def __init__(self, user, interval=1.0):
        super().__init__(daemon=True)
        self.user, self.interval = user, interval
        self.stop = threading.Event()
        self.writes, self.failures = 0, []

    def run(self):
        from django.db import connection

        from articles.models import Article
        from articles.services import autosave, save_article, start_working_copy

        def draft():
            return (
                Article.objects.filter(status=Article.Status.DRAFT, working_copy_of__isnull=True)
                .order_by("?")
                .first()
            )

        def live():
            return Article.objects.published().order_by("?").first()

        def save_draft():
            article = draft()
            article.title = f"{article.title.split(' [edit')[0]} [edit {self.writes}]"
            save_article(article=article, user=self.user, edited_version=article.version)

        def save_working_copy():
            copy, _ = start_working_copy(article=live(), user=self.user)
            copy.title = f"{copy.title.split(' [edit')[0]} [edit {self.writes}]"
            save_article(article=copy, user=self.user, edited_version=copy.version)

        edits = [
            lambda: autosave(article=draft(), user=self.user, data={"title": f"a{self.writes}"}),
            lambda: autosave(article=live(), user=self.user, data={"title": f"b{self.writes}"}),
            save_draft,
            save_working_copy,
        ]
        try:
            while not self.stop.wait(self.interval):
                try:
                    edits[self.writes % len(edits)]()
                    self.writes += 1
                except Exception as error:  # reported, never hidden
                    self.failures.append(repr(error))
                    self.writes += 1
        finally:
            connection.close()


def after_change(server, scenario_list, *, runs, duration, warmup, connections, threads, workdir):
    """Each run of the article pages, home and API list starts right after one publication."""
    user = bench_user()
    targets = [s for s in scenario_list if s.name in CHANGE_SCENARIOS]
    results = {s.name: Measure() for s in targets}
    for round_number in range(1, runs + 1):
        for scenario in targets:
            publish_one_draft(user)
            figures = wrk(
                server,
                scenario,
                duration=duration,
                connections=connections,
                threads=threads,
                workdir=workdir,
                count_cache=True,
            )
            results[scenario.name].add(figures)
        log(f"  after a change: round {round_number}/{runs} done")
    return results


def drafts_edited(server, scenario_list, *, runs, duration, warmup, connections, threads, workdir):
    """Readers load the article pages, home and API list in turn while drafts are edited."""
    paths = [p for s in scenario_list if s.name in CHANGE_SCENARIOS for p in s.paths]
    readers = Scenario("drafts_edited", "Article pages, home and API list in turn", paths)
    options = {"connections": connections, "threads": threads, "workdir": workdir}
    wrk(server, readers, duration=max(warmup, 1), **options)  # every path cached again
    writer = DraftWriter(bench_user())
    writer.start()
    result = Measure()
    try:
        for round_number in range(1, runs + 1):
            result.add(wrk(server, readers, duration=duration, count_cache=True, **options))
            log(f"  drafts being edited: round {round_number}/{runs} done")
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    return readers, result, writer


# --- Report ---


def machine():
    cpu = "unknown CPU"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    postgres = run(["psql", "--version"], check=False).stdout.strip() or "PostgreSQL"
    load = os.getloadavg()
    return (
        f"{platform.node()}: {os.cpu_count()} × {cpu}, {memory_gb:.0f} GB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"{postgres}; load average at start {load[0]:.1f}"
    )


def median(values):
    return statistics.median(values) if values else 0.0


QUERY_HEADINGS = {
    "uncached": "SQL queries",
    "cold": "SQL queries: no cache (fragments cached)",
    "warm": "SQL queries",
}


def table(title, results, scenario_list, queries, state, floor_rps):
    rows = [
        f"### {title}",
        "",
        f"| Scenario | req/s | p50 ms | p99 ms | vs floor | {QUERY_HEADINGS[state]} | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in scenario_list:
        result = results[scenario.name]
        rps = median(result.rps)
        uncached, fragments, warm = queries.get(scenario.name, (0, 0, 0))
        count = {"uncached": str(uncached), "cold": f"{uncached} ({fragments})"}.get(
            state, str(warm)
        )
        ratio = rps / floor_rps if floor_rps else 0
        rows.append(
            f"| {scenario.label} | {rps:,.0f} | {median(result.p50):.1f} | "
            f"{median(result.p99):.1f} | {ratio:.1%} | {count} | "
            f"{result.errors + result.bad_status} |"
        )
    return rows


def change_tables(cold, warm, changed, edited, scenario_list):
    """The phases with writes, next to the cold and warm figures of the same scenarios."""
    floor = median(warm["floor"].rps)
    rows = [
        "### Right after a change (warm server, one draft published before each run)",
        "",
        "Each run starts right after a publication (through `publish_article`, committed and "
        "announced before wrk starts): the content generation is new, so every response is "
        "rendered again once; fragments of the articles that did not change (page head and "
        "content, card parts, API list items) are still cached. Ratios to the floor of the "
        "warm server; hits are the responses the response cache answered (`X-Cache: hit`).",
        "",
        "| Scenario | cold req/s | warm req/s | after a change req/s | p50 ms | p99 ms "
        "| vs floor | cache hits | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in scenario_list:
        if scenario.name not in changed:
            continue
        result = changed[scenario.name]
        rps = median(result.rps)
        rows.append(
            f"| {scenario.label} | {median(cold[scenario.name].rps):,.0f} | "
            f"{median(warm[scenario.name].rps):,.0f} | {rps:,.0f} | {median(result.p50):.1f} | "
            f"{median(result.p99):.1f} | {rps / floor if floor else 0:.1%} | "
            f"{result.hit_rate:.1%} | {result.errors + result.bad_status} |"
        )
    readers, result, writer = edited
    rps = median(result.rps)
    failures = f"; failed: {', '.join(sorted(set(writer.failures)))}" if writer.failures else ""
    rows += [
        "",
        "### Drafts being edited (warm server, one unseen edit every second)",
        "",
        "While wrk loads the article pages, the home page and the API list in turn, a thread "
        "makes one edit no reader can see every second, in turn: an autosave of a draft, an "
        "autosave on a live article, a saved draft, a saved working copy of a live article "
        f"({writer.writes} edits{failures}).",
        "",
        "| Scenario | req/s | p50 ms | p99 ms | vs floor | cache hits (of responses) | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| {readers.label} | {rps:,.0f} | {median(result.p50):.1f} | {median(result.p99):.1f} "
        f"| {rps / floor if floor else 0:.1%} | {result.hit_rate:.2%} "
        f"({result.cache_hits:,} of {result.cache_hits + result.cache_misses:,}) "
        f"| {result.errors + result.bad_status} |",
        "",
    ]
    return rows


def verdicts(uncached, cold, warm, queries, search_p95, search_itself, rss_mb, edited=None):
    lines = ["### Targets", "", "| Target | Measured | Met |", "|---|---|---|"]

    def add(label, measured, ok):
        lines.append(f"| {label} | {measured} | {'yes' if ok else '**no**'} |")

    uncached_floor = median(uncached["floor"].rps)
    for name, target in UNCACHED_TARGETS.items():
        rps = median(uncached[name].rps)
        add(f"Nothing cached: {name} ≥ {target} req/s (3× Wagtail)", f"{rps:,.0f}", rps >= target)
        share, wanted = rps / uncached_floor, 3 * WAGTAIL_SHARE_OF_FLOOR[name]
        add(
            f"Nothing cached: {name} ≥ {wanted:.1%} of the floor (3× Wagtail's share of its own)",
            f"{share:.1%} ({share / WAGTAIL_SHARE_OF_FLOOR[name]:.1f}× Wagtail's)",
            share >= wanted,
        )
        add(f"Nothing cached: {name} ≤ 8 queries", str(queries[name][0]), queries[name][0] <= 8)

    cold_floor = median(cold["floor"].rps)
    warm_floor = median(warm["floor"].rps)
    for name, limit in (("article", 0.08), ("api_list", 0.04)):
        ratio = median(cold[name].rps) / cold_floor
        add(f"Cold {name} ≥ {limit:.0%} of floor", f"{ratio:.1%}", ratio >= limit)
        add(f"Cold {name} ≤ 8 queries", str(queries[name][0]), queries[name][0] <= 8)
    # Keyed requests check and count their key in the database, hit or miss: not part of
    # this target (their figures are in the tables).
    anonymous = [n for n in warm if n != "floor" and not n.endswith("_key")]
    worst = min((median(warm[n].rps) / warm_floor, n) for n in anonymous)
    add(
        "Warm: every anonymous page and API GET ≥ 70% of floor",
        f"lowest {worst[0]:.1%} ({worst[1]})",
        worst[0] >= 0.7,
    )
    if search_p95 is not None:
        add("Search page p95 at 100,000 articles < 50 ms", f"{search_p95:.1f} ms", search_p95 < 50)
        add(
            "Search query p95 at 100,000 articles < 50 ms (in-process)",
            f"{search_itself['p95']:.1f} ms",
            search_itself["p95"] < 50,
        )
        add(
            "Search first page ≥ 90% shared with exhaustive ts_rank",
            f"{search_itself['overlap']:.0%} (lowest {search_itself['overlap_min']:.0%})",
            search_itself["overlap"] >= 0.9,
        )
    if edited is not None:
        _, result, writer = edited
        add(
            "Drafts being edited: response cache hit rate > 99%",
            f"{result.hit_rate:.2%} ({writer.writes} edits)",
            result.hit_rate > 0.99 and not writer.failures,
        )
    add("Worker RSS < 200 MB", f"{rss_mb:.0f} MB", rss_mb < 200)
    return lines


def kept_notes():
    """The hand-written part of RESULTS.md (from NOTES_HEADING on), kept across runs."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    start = text.find(f"\n{NOTES_HEADING}\n")
    return text[start:] if start >= 0 else ""


def main(argv=None):
    parser = argparse.ArgumentParser(description="Load benchmark (see bench/run.py).")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=bench_env.PORT)
    parser.add_argument("--slugs", type=int, default=300, help="article slugs to rotate over")
    parser.add_argument("--articles", type=int, default=10_000, help="to generate when missing")
    parser.add_argument(
        "--search-database-url",
        default=os.environ.get(
            "BENCH_SEARCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cpc_bench_100k"
        ),
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated scenario names (the floor is always run); prints, writes nothing",
    )
    parser.add_argument(
        "--states",
        default=",".join(STATES),
        help=f"comma-separated server states to measure, of {', '.join(STATES)}; "
        "fewer than all prints, writes nothing",
    )
    args = parser.parse_args(argv)
    states = set(args.states.split(","))
    if not states <= set(STATES):
        parser.error(f"--states: unknown {', '.join(sorted(states - set(STATES)))}")
    if states != set(STATES):
        args.no_write = True
    if not (1 <= args.runs <= 20 and 1 <= args.duration <= 120 and 1 <= args.connections <= 256):
        parser.error("--runs 1..20, --duration 1..120, --connections 1..256")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk).")

    started = datetime.now(UTC)
    about = machine()
    ensure_database(args.articles)
    log("stored renderings of live articles (as the worker leaves them after each change)")
    run(
        [sys.executable, "manage.py", "prerender_articles"],
        env=bench_env.production_env(),
        timeout=3600,
    )
    setup_django()
    from articles.models import Article

    article_total = Article.objects.count()
    live_total = Article.objects.published().count()
    scenario_list = scenarios(args.slugs)
    if args.only:
        wanted = {"floor", *args.only.split(",")}
        unknown = wanted - {s.name for s in scenario_list}
        if unknown:
            parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
        scenario_list = [s for s in scenario_list if s.name in wanted]
        args.no_write = True
    log("counting queries per request")
    queries = count_queries(scenario_list)
    options = {
        "runs": args.runs,
        "duration": args.duration,
        "warmup": args.warmup,
        "connections": args.connections,
        "threads": args.threads,
    }
    rss = 0
    uncached = cold = warm = changed = edited = None
    with tempfile.TemporaryDirectory() as workdir:
        if "uncached" in states:
            log("nothing cached: response and fragment caches off")
            render_path = [
                s for s in scenario_list if s.name == "floor" or s.name in UNCACHED_TARGETS
            ]
            with Server(args.port, response_cache=False, fragments=False) as server:
                uncached = measure(server, render_path, workdir=workdir, **options)
                rss = max(rss, server.max_rss_kb)
        if "cold" in states:
            log("cold: response cache off")
            with Server(args.port, response_cache=False) as server:
                cold = measure(server, scenario_list, workdir=workdir, **options)
                rss = max(rss, server.max_rss_kb)
        if states & {"warm", "changes"}:
            log("warm: response cache on")
            with Server(args.port, response_cache=True) as server:
                warm = measure(server, scenario_list, workdir=workdir, **options)
                names = {s.name for s in scenario_list}
                if "changes" in states and cold and names >= set(CHANGE_SCENARIOS):
                    log("warm, drafts being edited: autosaves every second while readers read")
                    edited = drafts_edited(server, scenario_list, workdir=workdir, **options)
                    log("warm, right after a change: one publication before each run")
                    changed = after_change(server, scenario_list, workdir=workdir, **options)
                server.sample_rss()
                rss = max(rss, server.max_rss_kb)
        search_p95 = search_itself = None
        search_total = not args.no_write and database_has_articles(args.search_database_url)
        if search_total:
            log(f"search p95 on {search_total} articles ({args.search_database_url})")
            run(
                [sys.executable, "manage.py", "migrate", "--noinput"],
                env={**bench_env.production_env(), "DATABASE_URL": args.search_database_url},
            )
            search = [s for s in scenario_list if s.name in ("floor", "search")]
            with Server(
                args.port, response_cache=False, database_url=args.search_database_url
            ) as server:
                # One client: the latency of a search, not the time it queues behind others.
                one_client = {**options, "connections": 1, "threads": 1}
                big = measure(server, search, workdir=workdir, **one_client)
                rss = max(rss, server.max_rss_kb)
            search_p95 = median(big["search"].p95)
            log("the search itself, in-process")
            output = run(
                [sys.executable, "-m", "bench.search_timing"]
                + ["--database-url", args.search_database_url],
                timeout=900,
            ).stdout
            search_itself = json.loads(output.strip().splitlines()[-1])

    rss_mb = rss / 1024
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {about}",
        f"- Data: {article_total:,} articles ({live_total:,} published) in PostgreSQL",
        f"- Server: gunicorn, 2 sync workers, production settings (DEBUG off), Redis cache; "
        f"wrk -t{args.threads} -c{args.connections}, {args.runs} runs × {args.duration} s, "
        f"median; ratios to the floor measured in the same server run",
        f"- Largest gunicorn worker RSS during the runs: {rss_mb:.0f} MB",
        "",
    ]
    if uncached:
        render_path = [s for s in scenario_list if s.name in uncached]
        lines += table(
            "Nothing cached: response and fragment caches off (the render path itself)",
            uncached,
            render_path,
            queries,
            "uncached",
            median(uncached["floor"].rps),
        )
        lines += [""]
    for title, results, state in (
        (
            "Cold: whole-page cache off (every request runs its view; fragment caches on)",
            cold,
            "cold",
        ),
        ("Warm: response cache on (anonymous hits)", warm, "warm"),
    ):
        if results:
            floor = median(results["floor"].rps)
            lines += table(title, results, scenario_list, queries, state, floor) + [""]
    if changed is not None:
        lines += change_tables(cold, warm, changed, edited, scenario_list)
    if search_p95 is not None:
        lines += [
            f"### Search at {search_total:,} articles",
            "",
            f"{len(SEARCH_QUERIES)} queries in turn from one client, response cache off: "
            f"{median(big['search'].rps):,.0f} req/s, p50 {median(big['search'].p50):.1f} ms, "
            f"p95 {search_p95:.1f} ms, p99 {median(big['search'].p99):.1f} ms.",
            "",
            f"The search itself, in-process (`bench/search_timing.py`: ranking, count and a "
            f"page of 20 with snippets, no HTTP or template; {search_itself['count']} runs): "
            f"p50 {search_itself['p50']:.1f} ms, p95 {search_itself['p95']:.1f} ms.",
            "",
            f"How much the first page of 20 shares with an exhaustive `ts_rank` ordering of every "
            f"match (newest first on ties), over the {len(SEARCH_QUERIES)} queries: "
            f"{search_itself['overlap']:.0%} on average, "
            f"{search_itself['overlap_min']:.0%} for the lowest.",
            "",
        ]
    if not args.only and states == set(STATES):
        lines += verdicts(uncached, cold, warm, queries, search_p95, search_itself, rss_mb, edited)
    lines += ["", "Regenerate with `make bench` (see the README, Running at scale).", ""]
    report = "\n".join(lines) + kept_notes()
    print(report)
    if not args.no_write:
        RESULTS.write_text(report)
        log(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
