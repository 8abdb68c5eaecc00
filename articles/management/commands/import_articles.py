"""Import articles from WordPress exports (WXR), page-text exports or the site's JSON export."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from articles.importers import FORMATS, ImportFileError, run_import

PROGRESS_FROM = 100  # items; smaller imports finish before a bar would help


class Command(BaseCommand):
    help = (
        "Import articles from WordPress WXR files, page-text files or a JSON export. "
        "Re-running changes nothing; changed items update their article with a revision."
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
            help="Folder holding the media files (WordPress uploads folder, or MEDIA_ROOT of "
            "the exporting site for JSON).",
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
            bar.finish()
        self.stdout.write(report.as_text())


class ProgressBar:
    """A one-line bar on stderr, redrawn when the percentage changes (large imports only)."""

    width = 30

    def __init__(self, stream):
        self.stream = stream
        self.shown = -1
        self.drawn = False
        self.interactive = getattr(sys.stderr, "isatty", lambda: False)()

    def update(self, done, total):
        if total < PROGRESS_FROM:
            return
        percent = done * 100 // total
        if percent == self.shown or (not self.interactive and percent % 10 and done != total):
            return
        self.shown = percent
        filled = self.width * done // total
        line = (
            f"Importing [{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% {done}/{total}"
        )
        if self.interactive:
            self.stream.write("\r" + line, ending="")
            self.stream.flush()
        else:
            self.stream.write(line)
        self.drawn = True

    def finish(self):
        if self.drawn and self.interactive:
            self.stream.write("")
