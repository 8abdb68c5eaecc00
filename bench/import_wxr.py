"""Import benchmark: a generated WordPress export of 10,000 realistic posts on PostgreSQL.

    .venv/bin/python -m bench.import_wxr [--posts 10000] [--no-images]

Each post has 800-2,000 words, 1-3 authors, two categories (of a hierarchy) and three tags,
and a featured image whose file is in the `--media-dir` folder (a small JPEG each).

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


def write_media(folder, posts):
    """One small JPEG per post under uploads/2020/01/ (the same bytes: decoding is not timed)."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (160, 90), (30, 90, 160)).save(buffer, "JPEG")
    target = folder / "2020" / "01"
    target.mkdir(parents=True)
    for n in range(1, posts + 1):
        (target / f"bench-{n}.jpg").write_bytes(buffer.getvalue())


def write_export(path, *, posts, images=True, seed=7):
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
        for number, slug in enumerate(categories):
            parent = categories[number // 3 - 1] if number >= 3 else ""  # a three-level tree
            out.write(
                f"<wp:category><wp:category_nicename>{slug}</wp:category_nicename>"
                f"<wp:category_parent>{parent}</wp:category_parent>"
                f"<wp:cat_name><![CDATA[{slug.replace('-', ' ').title()}]]></wp:cat_name></wp:category>\n"
            )
        for n in range(1, posts + 1):
            if images:
                out.write(
                    f"<item><title>bench-{n}</title><link>https://bench.example/?attachment_id={posts + n}</link>"
                    f'<guid isPermaLink="false">https://bench.example/wp-content/uploads/2020/01/bench-{n}.jpg</guid>'
                    f"<wp:post_id>{posts + n}</wp:post_id><wp:post_parent>{n}</wp:post_parent>"
                    "<wp:post_type>attachment</wp:post_type><wp:post_mime_type>image/jpeg</wp:post_mime_type>"
                    f"<wp:attachment_url>https://bench.example/wp-content/uploads/2020/01/bench-{n}.jpg</wp:attachment_url>"
                    "<excerpt:encoded><![CDATA[A harbour at dawn]]></excerpt:encoded>"
                    f"<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key><wp:meta_value>2020/01/bench-{n}.jpg</wp:meta_value></wp:postmeta>"
                    "<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value>Cranes over the quay</wp:meta_value></wp:postmeta>"
                    "</item>\n"
                )  # fmt: skip
            paragraphs = []
            words = rng.randint(800, 2000)
            while words > 0:
                count = min(words, rng.randint(40, 90))
                words -= count
                text = " ".join(rng.choice(WORDS) for _ in range(count)).capitalize() + "."
                paragraphs.append(f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->")
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
                for login, _ in rng.sample(authors, rng.choice((1, 1, 2, 3)))
            )
            terms = "".join(
                f'<category domain="category" nicename="{c}"><![CDATA[{c}]]></category>'
                for c in rng.sample(categories, 2)
            ) + "".join(
                f'<category domain="post_tag" nicename="{t}"><![CDATA[{t}]]></category>'
                for t in rng.sample(tags, 3)
            )
            status = "draft" if n % 20 == 0 else "publish"
            thumbnail = (
                "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
                f"<wp:meta_value>{posts + n}</wp:meta_value></wp:postmeta>"
                if images
                else ""
            )
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
                f"<wp:post_type>post</wp:post_type>{terms}{thumbnail}"
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


def server_cpu(url):
    """CPU seconds the local PostgreSQL server has used so far (its postmaster and every
    backend that has exited), or None when it is not on this machine."""
    import psycopg

    try:
        with psycopg.connect(url) as connection:
            folder = connection.execute("SHOW data_directory").fetchone()[0]
        pid = Path(folder, "postmaster.pid").read_text().split()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, psycopg.Error):
        return None
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


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
    parser.add_argument("--no-images", action="store_true", help="Posts without featured images.")
    parser.add_argument("--no-rerun", action="store_true", help="Only the first import.")
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
        write_export(export, posts=options.posts, images=not options.no_images)
        media = Path(folder) / "uploads"
        if not options.no_images:
            write_media(media, options.posts)
        generated = time.perf_counter() - started
        size_mb = export.stat().st_size / 1e6
        print(f"Generated {options.posts:,} posts, {size_mb:.1f} MB, in {generated:.1f} s")
        media_args = [] if options.no_images else ["--media-dir", str(media)]
        print(f"Machine load average before importing: {os.getloadavg()[0]:.1f}")
        before = server_cpu(url)
        first, rss, report, cpu = manage(env, "import_articles", str(export), *media_args)
        after = server_cpu(url)
        database = f", {after - before:.1f} s CPU in PostgreSQL" if before and after else ""
        print(f"First import: {first:.1f} s ({options.posts / first:.0f} posts/s), "
              f"{cpu:.1f} s CPU in the importer{database}, peak RSS {rss / 1024:.0f} MB")  # fmt: skip
        print("  " + report.splitlines()[1].strip())
        if options.no_rerun:
            return
        again, rss, report, cpu = manage(env, "import_articles", str(export), *media_args)
        print(f"Re-run (unchanged): {again:.1f} s, {cpu:.1f} s CPU, peak RSS {rss / 1024:.0f} MB")
        print("  " + report.splitlines()[1].strip())


if __name__ == "__main__":
    main()
