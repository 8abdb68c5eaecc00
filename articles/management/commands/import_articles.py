"""Import articles from WordPress (WXR, REST JSON), Ghost, CSV/JSONL, page texts or the site's
JSON export.

Exit status: 0 when every item was written (or skipped on purpose), 1 when the input was
refused (nothing written), 2 when some items failed (the others were written; see the report).
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.importers import FORMATS, ImportFileError, run_import

PROGRESS_FROM = 100  # items; smaller imports finish before a bar would help
FAILED_ITEMS_EXIT_STATUS = 2


class Command(BaseCommand):
    help = (
        "Import articles from WordPress exports (WXR or REST JSON), Ghost exports, CSV or "
        "JSON Lines files, page-text files or the site's JSON export. Re-running changes "
        "nothing; changed items update their article with a revision. Exits 2 when items "
        "failed, 1 when the input was refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or folders.")
        parser.add_argument(
            "--format",
            choices=["auto", *FORMATS],
            default="auto",
            help="Input format; auto detects it from each file's content.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Write nothing; print the same report."
        )
        parser.add_argument("--user", help="Username recorded as the author of the revisions.")
        parser.add_argument(
            "--media-dir",
            help="Folder holding the media files (WordPress uploads folder, Ghost content "
            "folder, or MEDIA_ROOT of the exporting site for JSON). Files are only read inside it.",
        )
        parser.add_argument(
            "--on-existing",
            choices=["update", "skip"],
            default="update",
            help="What to do with items imported before (default: update when changed).",
        )

    def handle(self, *args, **options):
        username = options["user"]
        if username:
            user_model = get_user_model()
            if not user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).exists():
                raise CommandError(f"No user named “{username}”.")
        media_dir = options["media_dir"]
        if media_dir and not Path(media_dir).is_dir():
            raise CommandError(f"--media-dir {media_dir}: no such folder.")
        bar = ProgressBar(self.stderr)
        try:
            report = run_import(
                options["paths"],
                fmt=options["format"],
                dry_run=options["dry_run"],
                username=username,
                media_dir=media_dir,
                on_existing=options["on_existing"],
                progress=bar.update,
            )
        except ImportFileError as error:
            raise CommandError(f"Import refused, nothing was written: {error}") from None
        finally:
            bar.close()
        self.stdout.write(report.as_text())
        failed = report.total("failed")
        if failed:
            raise CommandError(
                f"{failed} item(s) failed (the others were written); see “Failed” above.",
                returncode=FAILED_ITEMS_EXIT_STATUS,
            )


class ProgressBar:
    """tqdm on stderr, for imports large enough to need one."""

    def __init__(self, stream):
        self.stream = getattr(stream, "_out", stream)
        self.bar = None

    def update(self, done, total):
        if total < PROGRESS_FROM:
            return
        if self.bar is None:
            self.bar = tqdm(
                total=total, desc="Importing", unit="item", file=self.stream, mininterval=0.5
            )
        self.bar.update(done - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()
