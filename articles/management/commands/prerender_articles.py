"""Render the stored renderings of live articles (see articles.prerender)."""

from django.core.management.base import BaseCommand

from articles import prerender
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Render and store what live articles show readers and partners (page parts, API "
        "representations) where it is missing or out of date: after a deploy that changes "
        "templates or serializers, or after loading data without the worker. Pages are "
        "right without it, only slower."
    )

    def handle(self, *args, **options):
        ids = list(Article.objects.published().order_by("pk").values_list("pk", flat=True))
        built = prerender.build_renderings(ids)
        self.stdout.write(f"Rendered {built} of {len(ids)} live article(s); the rest were current.")
