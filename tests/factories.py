"""Plain factory functions for tests: make_x(**overrides) returns a saved object."""

import itertools
from datetime import timedelta
from io import BytesIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PILImage

from articles.models import Article, ArticleAuthor, ArticleTopic, Author, Image, Source, Topic
from related.models import RelatedLink

_sequence = itertools.count(1)


def image_bytes(image_format="JPEG", size=(800, 450), color=(30, 90, 160)):
    buffer = BytesIO()
    PILImage.new("RGB", size, color).save(buffer, image_format)
    return buffer.getvalue()


def image_upload(name="photo.jpg", image_format="JPEG", size=(800, 450)):
    content_type = {
        "JPEG": "image/jpeg",
        "PNG": "image/png",
        "WEBP": "image/webp",
        "GIF": "image/gif",
    }
    return SimpleUploadedFile(name, image_bytes(image_format, size), content_type[image_format])


def make_image(**overrides):
    fields = {
        "file": image_upload(f"img-{next(_sequence)}.jpg"),
        "alt_text": "A harbour crane at dusk",
        "caption": "Cranes at the port",
        "credit": "port.example (2024)",
    }
    fields.update(overrides)
    return Image.objects.create(**fields)


def make_author(**overrides):
    n = next(_sequence)
    fields = {"name": f"Author {n}", "role": "Fellow", "bio": "Writes on regional policy."}
    fields.update(overrides)
    return Author.objects.create(**fields)


def make_topic(**overrides):
    fields = {"name": f"Topic {next(_sequence)}"}
    fields.update(overrides)
    return Topic.objects.create(**fields)


def make_article(*, authors=(), topics=(), sources=0, **overrides):
    """A published article (one minute old) unless overridden."""
    n = next(_sequence)
    fields = {
        "title": f"Article number {n} on Caspian affairs",
        "dek": "A short dek.",
        "summary": f"Summary of article {n}.",
        "body": "<p>First paragraph of the analysis.</p><p>Second paragraph.</p>",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(minutes=1),
    }
    fields.update(overrides)
    article = Article.objects.create(**fields)
    for order, author in enumerate(authors):
        ArticleAuthor.objects.create(article=article, author=author, order=order)
    for topic in topics:
        ArticleTopic.objects.create(article=article, topic=topic)
    for order in range(sources):
        Source.objects.create(
            article=article, order=order, title=f"Source {order}", url="https://example.org/s"
        )
    return article


def make_draft(**overrides):
    return make_article(status=Article.Status.DRAFT, published_at=None, **overrides)


def link(from_article, to_article, order=0):
    return RelatedLink.objects.create(from_article=from_article, to_article=to_article, order=order)


def make_user(username=None, *, role=None, superuser=False, password="pw-for-tests-only"):
    user = get_user_model().objects.create_user(
        username=username or f"user{next(_sequence)}",
        password=password,
        is_staff=True,
        is_superuser=superuser,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user
