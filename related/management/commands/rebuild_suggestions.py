from django.core.management.base import BaseCommand

from articles.models import Article
from related.services import rebuild_all_suggestions


class Command(BaseCommand):
    help = "Recompute the stored related-article suggestions of every article."

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=500,
            help="Articles read from the database at a time (memory stays bounded by it).",
        )

    def handle(self, *args, chunk_size, **options):
        progress = ProgressBar(self.stdout, Article.objects.count())
        done = rebuild_all_suggestions(chunk_size=chunk_size, progress=progress.update)
        progress.finish()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt suggestions for {done} articles."))


class ProgressBar:
    """A one-line bar on a terminal; a line per tenth when the output is a file or a pipe."""

    def __init__(self, stream, total, width=40):
        self.stream, self.total, self.width = stream, total, width
        self.interactive = stream.isatty()
        self.last_tenth = -1

    def update(self, done):
        fraction = done / self.total if self.total else 1
        if self.interactive:
            filled = int(fraction * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {done}/{self.total}", ending="")
            self.stream.flush()
        elif int(fraction * 10) > self.last_tenth:
            self.last_tenth = int(fraction * 10)
            self.stream.write(f"[{done}/{self.total}] {int(fraction * 100)}%")

    def finish(self):
        if self.interactive:
            self.stream.write("")
