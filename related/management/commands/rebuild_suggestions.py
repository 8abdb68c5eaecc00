from django.core.management.base import BaseCommand
from tqdm import tqdm

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
        with tqdm(
            total=Article.objects.count(),
            desc="Rebuilding suggestions",
            unit="article",
            file=getattr(self.stdout, "_out", self.stdout),
            mininterval=0.5,
        ) as bar:
            done = rebuild_all_suggestions(
                chunk_size=chunk_size, progress=lambda n: bar.update(n - bar.n)
            )
        self.stdout.write(self.style.SUCCESS(f"Rebuilt suggestions for {done} articles."))
