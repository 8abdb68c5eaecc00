"""Fault drill: restart a private PostgreSQL cluster under load and count what readers lost.

Not a test: it restarts the cluster it is given, so it needs one of its own (never a shared
one). Readers ask for every public address from several threads (Django's test client, in
process, no cache) while `pg_ctl restart -m fast` runs; the drill reports how many requests
failed and over how long a window. Connections are re-opened by themselves
(`conn_health_checks`), so only requests in flight during the restart fail.

Readers go through gunicorn (started here on a free port), not Django's test client: the test
client turns off the per-request connection check the drill is about.

    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5442/cpc_drill \\
        .venv/bin/python -m bench.pg_restart --data-dir /tmp/pg-5442
"""

import argparse
import os
import socket
import subprocess
import threading
import time
import urllib.request


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="the private cluster's data folder")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpc_site.settings")
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415

    from articles.models import Article  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    article = Article.objects.published().first()
    urls = [
        "/",
        "/articles/",
        article.get_absolute_url(),
        "/authors/",
        "/topics/",
        "/feeds/rss/",
        "/sitemap.xml",
        "/api/v1/articles/",
        "/search/?q=gas",
    ]
    connection.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            ".venv/bin/gunicorn",
            "cpc_site.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(args.threads),
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "/dev/null",
        ],
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/health/live/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)

    results = []  # (time, ok)
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            for url in urls:
                try:
                    with urllib.request.urlopen(base + url, timeout=10) as response:
                        ok = response.status == 200
                except Exception:  # a failure of any kind is what the drill counts
                    ok = False
                results.append((time.monotonic(), ok))

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    time.sleep(args.seconds / 3)
    started = time.monotonic()
    subprocess.run(
        [
            "su",
            "postgres",
            "-c",
            f"/usr/lib/postgresql/15/bin/pg_ctl -D {args.data_dir} restart -m fast -w >/dev/null",
        ],
        check=True,
    )
    restart = time.monotonic() - started
    time.sleep(args.seconds * 2 / 3)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    server.terminate()
    server.wait(timeout=30)

    failures = [moment for moment, ok in results if not ok]
    window = (max(failures) - min(failures)) if failures else 0.0
    print(
        f"{len(results)} requests, {len(failures)} failed, in a {window:.2f} s window; "
        f"pg_ctl restart took {restart:.2f} s; after it: "
        f"{sum(1 for m, ok in results if m > started + restart + 1 and not ok)} failures"
    )


if __name__ == "__main__":
    main()
