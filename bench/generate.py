"""Fill the benchmark's PostgreSQL database with realistic articles, fast.

    python -m bench.generate --articles 10000
    python -m bench.generate --articles 100000

Recreates the database named by BENCH_DATABASE_URL (default `cpc_bench`), migrates it and
writes authors, topics, images (a few real files shared by many rows), articles with 600
to 2,000-word bodies, 1 to 4 authors, 0 to 12 sources, topics, curated links, stored
suggestions, corrections and history rows, all with bulk inserts (history through
simple-history's bulk helpers). The search vectors are computed once at the end.
"""

import argparse
import math
import os
import random
import sys
import time
from datetime import date, timedelta
from io import BytesIO

from . import env as bench_env
from .words import FIRST_NAMES, LAST_NAMES, POLICY, vocabulary, zipf_weights

BATCH = 1000
STATUS_WEIGHTS = {"published": 94, "draft": 3, "scheduled": 1.5, "archived": 1.5}
TYPE_WEIGHTS = {"analysis": 45, "commentary": 30, "report": 10, "event_summary": 5, "news": 10}
TOPIC_NAMES = [
    "Energy security", "Oil and gas", "Renewables", "Transport corridors", "Trade",
    "Sanctions", "Diplomacy", "Defence", "Climate", "Water", "Agriculture", "Finance",
    "Migration", "Governance", "Digital economy", "Critical minerals", "Connectivity",
    "Elections", "Media freedom", "Education", "Health", "Infrastructure", "Investment",
    "Shipping", "Nuclear", "Hydrogen", "Electricity", "Peace process", "Borders", "Labour",
]  # fmt: skip
REGION_NAMES = [
    "South Caucasus", "Central Asia", "Caspian Sea", "Black Sea", "Russia", "Iran",
    "Turkey", "China", "European Union", "United States",
]  # fmt: skip
SERIES_NAMES = ["Caspian Energy Outlook", "Corridor Watch", "Policy Briefs", "Year in Review"]
PUBLISHERS = [
    "Reuters", "Financial Times", "Ministry of Energy", "World Bank", "IEA", "OECD",
    "Eurasianet", "Asian Development Bank", "UNCTAD", "Central Bank", "Trend News Agency",
]  # fmt: skip


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Writer:
    """Random text from a Zipf-weighted vocabulary (cumulative weights precomputed)."""

    def __init__(self, rng):
        self.rng = rng
        self.words = vocabulary()
        self.cum = list(_accumulate(zipf_weights(len(self.words))))
        self.policy = [w for w in POLICY if len(w) > 3]

    def words_of(self, count):
        return self.rng.choices(self.words, cum_weights=self.cum, k=count)

    def sentence(self, length):
        words = self.words_of(length)
        words[0] = words[0].capitalize()
        return " ".join(words) + "."

    def paragraph(self, words):
        parts, left = [], words
        while left > 0:
            length = min(left, self.rng.randint(8, 26))
            parts.append(self.sentence(length))
            left -= length
        return " ".join(parts)

    def body(self, total_words):
        """Sanitised-style HTML: paragraphs, a few headings, links and emphasis."""
        rng, words = self.rng, self.words_of(total_words)
        html, sentences, start, paragraphs = [], [], 0, 0
        while start < total_words:
            length = rng.randint(8, 26)
            sentences.append(" ".join(words[start : start + length]).capitalize() + ".")
            start += length
            if len(sentences) >= rng.randint(4, 8) or start >= total_words:
                text = " ".join(sentences)
                sentences = []
                if rng.random() < 0.15:
                    term = rng.choice(self.policy)
                    link = f'<a href="https://example.org/{term}">{term}</a>'
                    text = text.replace(f" {term} ", f" {link} ", 1)
                if rng.random() < 0.1:
                    text = f"<strong>{text[:40]}</strong>{text[40:]}"
                html.append(f"<p>{text}</p>")
                paragraphs += 1
                if paragraphs % 5 == 0 and total_words - start > 200:
                    html.append(f"<h2>{self.title_words(3, 6)}</h2>")
        return "".join(html)

    def title_words(self, low, high):
        words = [self.rng.choice(self.policy) for _ in range(self.rng.randint(low, high))]
        return " ".join(words).capitalize()

    def title(self):
        head = self.title_words(3, 6)
        tail = self.title_words(2, 5)
        return f"{head}: {tail.lower()}" if self.rng.random() < 0.5 else head


def _accumulate(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def recreate_database(url):
    import psycopg
    from psycopg import sql

    parsed = _parse(url)
    admin = psycopg.connect(
        host=parsed["HOST"],
        port=parsed["PORT"] or 5432,
        user=parsed["USER"],
        password=parsed["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    name = sql.Identifier(parsed["NAME"])
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    admin.close()


def _parse(url):
    import dj_database_url

    parsed = dj_database_url.parse(url)
    if "postgresql" not in parsed["ENGINE"]:
        sys.exit("The benchmark needs PostgreSQL (BENCH_DATABASE_URL=postgres://...).")
    return parsed


def jpeg(color, size=(1600, 900)):
    from PIL import Image as PILImage
    from PIL import ImageDraw

    picture = PILImage.new("RGB", size, color)
    draw = ImageDraw.Draw(picture)
    for step in range(0, size[0], 80):
        draw.line([(step, 0), (size[0] - step, size[1])], fill=(255, 255, 255), width=3)
    buffer = BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def generate(article_count, seed):
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.utils import timezone
    from django.utils.text import slugify
    from simple_history.utils import bulk_create_with_history

    from articles import services
    from articles.models import (
        WORDS_PER_MINUTE,
        Article,
        ArticleAuthor,
        ArticleTopic,
        Author,
        Image,
        LegacyPath,
        PublicCorrection,
        Source,
        Topic,
    )
    from related.models import RelatedLink, Suggestion

    rng = random.Random(seed)
    writer = Writer(rng)
    now = timezone.now()
    user = get_user_model().objects.create_superuser("bench", password="bench-only-password")

    def bulk(model, objs, **kwargs):
        if not objs:
            return []
        history = hasattr(model, "history")
        if history:
            return bulk_create_with_history(
                objs, model, batch_size=BATCH, default_user=user, **kwargs
            )
        return model.objects.bulk_create(objs, batch_size=BATCH)

    log("images: 4 files with renditions, shared by many rows")
    # Through the write path (renditions are made on save); the bulk rows below are inserts.
    files = [
        services.save_image(
            image=Image(
                file=SimpleUploadedFile(f"bench-{n}.jpg", jpeg(color), "image/jpeg"),
                alt_text=f"Bench image {n}",
                caption="Port cranes at dusk",
                credit="president.az (2019)",
                credit_url="https://president.az/",
                licence="CC BY 4.0",
            ),
            user=user,
        )
        for n, color in enumerate([(30, 90, 160), (160, 60, 40), (40, 120, 70), (90, 90, 90)])
    ]
    shared = [
        Image(
            file=rng.choice(files).file.name,
            alt_text=writer.sentence(8),
            caption=writer.sentence(10),
            credit=f"{rng.choice(PUBLISHERS)} ({rng.randint(2012, 2025)})",
            credit_url="https://example.org/photo",
            licence=rng.choice(["", "CC BY 4.0", "All rights reserved"]),
            width=1600,
            height=900,
        )
        for _ in range(max(20, article_count // 5))
    ]
    for image in shared:
        image.renditions = next(f.renditions for f in files if f.file.name == image.file.name)
    images = files + bulk(Image, shared)

    log("authors and topics")
    author_count = max(40, article_count // 150)
    combos = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(combos)
    names = [
        combos[i % len(combos)] + (f" {i // len(combos) + 1}" if i >= len(combos) else "")
        for i in range(author_count)
    ]
    authors = bulk(
        Author,
        [
            Author(
                name=name,
                slug=f"{slugify(name)}-{index}",
                role=rng.choice(["Senior Fellow", "Fellow", "Analyst", "Director", "Editor"]),
                bio=writer.paragraph(rng.randint(40, 90)),
                photo=rng.choice(images) if index % 2 else None,
                links="https://example.org/profile\nhttps://example.org/cv",
            )
            for index, name in enumerate(names)
        ],
    )
    topics = bulk(
        Topic,
        [
            Topic(name=name, slug=slugify(name), kind=kind, description=writer.sentence(20))
            for kind, group in (
                ("topic", TOPIC_NAMES),
                ("region", REGION_NAMES),
                ("series", SERIES_NAMES),
            )
            for name in group
        ],
    )
    author_weights = [1 / (rank**0.8) for rank in range(1, len(authors) + 1)]

    log(f"articles: {article_count}")
    statuses = list(STATUS_WEIGHTS)
    status_weights = list(STATUS_WEIGHTS.values())
    types = list(TYPE_WEIGHTS)
    type_weights = list(TYPE_WEIGHTS.values())
    span = timedelta(days=8 * 365).total_seconds()
    started = time.monotonic()
    live_ids = []
    with connection.cursor() as cursor:
        # One search-vector computation per article at the end, not one per inserted author.
        cursor.execute("ALTER TABLE articles_article DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE articles_articleauthor DISABLE TRIGGER USER")
    for first in range(0, article_count, BATCH):
        articles = []
        for index in range(first, min(first + BATCH, article_count)):
            status = rng.choices(statuses, status_weights)[0]
            if status == "draft":
                published_at = None
            elif status == "scheduled":
                status = "published"
                published_at = now + timedelta(days=rng.uniform(2, 60))
            else:
                published_at = now - timedelta(seconds=rng.uniform(3600, span))
            words = rng.randint(600, 2000)
            title = writer.title()
            articles.append(
                Article(
                    title=title,
                    slug=f"{slugify(title)[:150].strip('-')}-{index}",
                    dek=writer.sentence(rng.randint(12, 22)),
                    summary=writer.sentence(rng.randint(20, 35)),
                    body=writer.body(words),
                    article_type=rng.choices(types, type_weights)[0],
                    hero_image=rng.choice(images) if rng.random() < 0.9 else None,
                    status=status,
                    published_at=published_at,
                    # The change log's stamp, as an article published through the services
                    # has it: fragments of one article are keyed by it (cpc_site.caching).
                    modified_at=min(published_at, now) if published_at else None,
                    reading_time=max(1, math.ceil(words / WORDS_PER_MINUTE)),
                    licence="" if rng.random() < 0.9 else "CC BY 4.0",
                    created_by=user,
                    version=1,
                )
            )
        articles = bulk(Article, articles, default_change_reason="Generated")
        links, tags, sources, corrections, legacy = [], [], [], [], []
        for article in articles:
            count = rng.choices([1, 2, 3, 4], [50, 30, 15, 5])[0]
            chosen = []
            while len(chosen) < count:
                author = rng.choices(authors, author_weights)[0]
                if author not in chosen:
                    chosen.append(author)
            links += [
                ArticleAuthor(article=article, author=author, order=order)
                for order, author in enumerate(chosen)
            ]
            tags += [
                ArticleTopic(article=article, topic=topic)
                for topic in rng.sample(topics, rng.randint(1, 3))
            ]
            for order in range(
                rng.choices(range(13), [10, 6, 8, 10, 10, 10, 9, 8, 7, 6, 6, 5, 5])[0]
            ):
                day = date(rng.randint(2012, 2025), rng.randint(1, 12), rng.randint(1, 28))
                sources.append(
                    Source(
                        article=article,
                        order=order,
                        title=writer.title_words(4, 9),
                        url=f"https://example.org/source/{article.pk}/{order}",
                        publisher=rng.choice(PUBLISHERS),
                        published_on=day,
                        accessed_on=day + timedelta(days=rng.randint(0, 300)),
                    )
                )
            if article.status == "published" and article.published_at < now:
                live_ids.append(article.pk)
                if rng.random() < 0.02:
                    corrections.append(
                        PublicCorrection(
                            article=article,
                            noted_at=article.published_at + timedelta(days=1),
                            note=writer.sentence(14),
                        )
                    )
            if rng.random() < 0.05:
                legacy.append(
                    LegacyPath(path=f"/old/{article.pk}-{article.slug}/", article=article)
                )
        bulk(ArticleAuthor, links)
        bulk(ArticleTopic, tags)
        bulk(Source, sources)
        bulk(PublicCorrection, corrections)
        bulk(LegacyPath, legacy)
        done = first + len(articles)
        rate = done / (time.monotonic() - started)
        log(f"  {done}/{article_count} articles ({rate:.0f}/s)")

    log("curated links and stored suggestions")
    curated, suggestions = [], []
    for article_id in live_ids:
        targets = set()
        for _ in range(rng.choices([0, 1, 2, 3], [40, 30, 20, 10])[0] + 4):
            target = rng.choice(live_ids)
            if target != article_id:
                targets.add(target)
        targets = list(targets)
        cut = min(len(targets), rng.choices([0, 1, 2, 3], [40, 30, 20, 10])[0])
        curated += [
            RelatedLink(from_article_id=article_id, to_article_id=t, order=o)
            for o, t in enumerate(targets[:cut])
        ]
        suggestions += [
            Suggestion(article_id=article_id, suggested_id=t, score=1 / (r + 1), rank=r)
            for r, t in enumerate(targets[cut:])
        ]
    bulk(RelatedLink, curated)
    bulk(Suggestion, suggestions)

    log("search vectors (one pass) and statistics")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE articles_article ENABLE TRIGGER USER")
        cursor.execute("ALTER TABLE articles_articleauthor ENABLE TRIGGER USER")
        cursor.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'articles_article' AND column_name = 'search_vector'"
        )
        if cursor.fetchone():
            cursor.execute(
                "UPDATE articles_article "
                "SET search_vector = articles_search_document("
                "search_config::regconfig, title, dek, summary, body, id), "
                "search_head = articles_search_head_document("
                "search_config::regconfig, title, dek, summary, id)"
            )
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"articles": article_count, "live": len(live_ids), "authors": len(authors)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--database-url",
        help=f"PostgreSQL database to recreate (default BENCH_DATABASE_URL or {bench_env.DEFAULT_DATABASE_URL})",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.articles <= 1_000_000:
        parser.error("--articles must be between 1 and 1,000,000")
    if args.database_url:
        os.environ["BENCH_DATABASE_URL"] = args.database_url

    bench_env.apply(bench_env.production_env())
    started = time.monotonic()
    log(f"recreating {bench_env.database_url()}")
    recreate_database(bench_env.database_url())

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    summary = generate(args.articles, args.seed)
    log(f"done in {time.monotonic() - started:.0f} s: {summary}")


if __name__ == "__main__":
    main()
