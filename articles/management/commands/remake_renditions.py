"""Queue the renditions job again for images that need it (or for all of them)."""

from django.core.management.base import BaseCommand

from articles import services
from articles.models import Image
from articles.revisions import system_user


class Command(BaseCommand):
    help = (
        "Queue new renditions for images without a social card or content hash (stored before "
        "they existed) or whose renditions failed; `--all` for every image. A worker makes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Every image, not only those.")

    def handle(self, *args, all=False, **options):
        user = system_user()
        count = 0
        for image in Image.objects.order_by("pk").iterator():
            if all or self.needs_renditions(image):
                services.queue_renditions(image=image, user=user)
                count += 1
        self.stdout.write(f"Queued renditions for {count} image(s); a worker makes them.")

    @staticmethod
    def needs_renditions(image):
        failed = image.renditions_status == Image.Renditions.FAILED
        return failed or not image.content_hash or image.social_card is None
