"""Import benchmark: a generated WordPress export of 10,000 posts (about 50 MB) on PostgreSQL.

    .venv/bin/python -m bench.import_wxr [--posts 10000] [--body-kb 4.5]

Uses its own database (IMPORT_BENCH_DATABASE_URL, default .../cpc_import_bench), emptied
first. Runs `manage.py import_articles` twice in a child process (a first import, then a
re-run that must change nothing) and prints wall time and peak memory (max RSS) of each.
The export is generated into a temporary folder and deleted afterwards; nothing is committed.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cpc_import_bench"
WORDS = (
    "caspian corridor freight ferry harbour pipeline transit tariff border customs rail "
    "gauge terminal quay container grain energy gas oil power grid treaty summit ministry "
    "investment logistics shipping port cargo route region security trade agreement"
).split()


def write_export(path, *, posts, body_kb, seed=7):
    rng = random.Random(seed)
    authors = [(f"author{n}", f"Author Number {n}") for n in range(20)]
    categories = [f"category-{n}" for n in range(15)]
    tags = [f"tag-{n}" for n in range(40)]
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "<title>Bench Institute</title><wp:wxr_version>1.2</wp:wxr_version>\n"
            "<wp:base_site_url>https://bench.example</wp:base_site_url>\n"
        )
        for login, name in authors:
            out.write(
                f"<wp:author><wp:author_login><![CDATA[{login}]]></wp:author_login>"
                f"<wp:author_display_name><![CDATA[{name}]]></wp:author_display_name></wp:author>\n"
            )
        for slug in categories:
            out.write(
                f"<wp:category><wp:category_nicename>{slug}</wp:category_nicename>"
                f"<wp:cat_name><![CDATA[{slug.replace('-', ' ').title()}]]></wp:cat_name></wp:category>\n"
            )
        for n in range(1, posts + 1):
            paragraphs = []
            size = 0
            while size < body_kb * 1024:
                text = " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "."
                paragraphs.append(f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->")
                size += len(paragraphs[-1])
            body = (
                "\n\n".join(paragraphs[:2])
                + (
                    '\n\n[caption id="" width="600"]<img src="https://bench.example/x.jpg" alt="x" /> '
                    "A caption[/caption]\n\n"
                )
                + "\n\n".join(paragraphs[2:])
            )
            creators = "".join(
                f"<dc:creator><![CDATA[{login}]]></dc:creator>"
                for login, _ in rng.sample(authors, rng.choice((1, 1, 2)))
            )
            terms = "".join(
                f'<category domain="category" nicename="{c}"><![CDATA[{c}]]></category>'
                for c in rng.sample(categories, 2)
            ) + "".join(
                f'<category domain="post_tag" nicename="{t}"><![CDATA[{t}]]></category>'
                for t in rng.sample(tags, 3)
            )
            status = "draft" if n % 20 == 0 else "publish"
            day = 1 + n % 28
            out.write(
                f"<item><title><![CDATA[Bench post {n}: {rng.choice(WORDS)} and "
                f"{rng.choice(WORDS)}]]></title>"
                f"<link>https://bench.example/2020/01/bench-post-{n}/</link>{creators}"
                f'<guid isPermaLink="false">https://bench.example/?p={n}</guid>'
                f"<content:encoded><![CDATA[{body}]]></content:encoded>"
                f"<excerpt:encoded><![CDATA[Summary of bench post {n}.]]></excerpt:encoded>"
                f"<wp:post_id>{n}</wp:post_id>"
                f"<wp:post_date_gmt>2020-01-{day:02d} 10:00:00</wp:post_date_gmt>"
                f"<wp:post_name>bench-post-{n}</wp:post_name><wp:status>{status}</wp:status>"
                f"<wp:post_type>post</wp:post_type>{terms}"
                "<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>"
                "<![CDATA[Nice.]]></wp:comment_content></wp:comment></item>\n"
            )
        out.write("</channel>\n</rss>\n")


def ensure_database(url):
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(env, *args):
    """Run manage.py in a child; return (seconds, its own peak RSS in kB, its stdout)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args], env=env, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read()
        if child.returncode:
            sys.stderr.write(stdout + err.read())
            raise SystemExit(f"manage.py {' '.join(args)} failed")
    return elapsed, usage.ru_maxrss, stdout, usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--body-kb", type=float, default=4.5)
    options = parser.parse_args()
    url = os.environ.get("IMPORT_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    ensure_database(url)
    with tempfile.TemporaryDirectory(prefix="cpc-import-bench-") as folder:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cpc_site.settings",
            # Production settings: DEBUG would keep every SQL statement in memory.
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "import-bench-only-" + "k3Vq8Zr1Lm6Tw9Px2Nb5Hd7Js4Fg0Cy" * 2,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_LOG_LEVEL": "ERROR",
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(Path(folder) / "media"),
        }
        manage(env, "migrate", "--noinput", "-v0")
        export = Path(folder) / "bench.wxr"
        started = time.perf_counter()
        write_export(export, posts=options.posts, body_kb=options.body_kb)
        generated = time.perf_counter() - started
        size_mb = export.stat().st_size / 1e6
        print(f"Generated {options.posts:,} posts, {size_mb:.1f} MB, in {generated:.1f} s")
        print(f"Machine load average before importing: {os.getloadavg()[0]:.1f}")
        first, rss, report, cpu = manage(env, "import_articles", str(export))
        print(f"First import: {first:.1f} s ({options.posts / first:.0f} posts/s), "
              f"{cpu:.1f} s CPU in the importer, peak RSS {rss / 1024:.0f} MB")  # fmt: skip
        print("  " + report.splitlines()[1].strip())
        again, rss, report, cpu = manage(env, "import_articles", str(export))
        print(f"Re-run (unchanged): {again:.1f} s, {cpu:.1f} s CPU, peak RSS {rss / 1024:.0f} MB")
        print("  " + report.splitlines()[1].strip())


if __name__ == "__main__":
    main()
