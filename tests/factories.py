"""Plain factory functions for tests: make_x(**overrides) returns a saved object."""

import itertools
from datetime import timedelta
from io import BytesIO

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PILImage

from articles import services
from articles.models import Article, Author, Image, PublicCorrection, Topic
from articles.revisions import system_user
from articles.roles import sync_roles
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


def make_image(*, renditions=True, **overrides):
    """An image in the library; `renditions`: with the renditions the worker makes (else
    pending, as right after an upload)."""
    fields = {
        "file": image_upload(f"img-{next(_sequence)}.jpg"),
        "alt_text": "A harbour crane at dusk",
        "caption": "Cranes at the port",
        "credit": "port.example (2024)",
    }
    fields.update(overrides)
    image = services.save_image(image=Image(**fields), user=system_user())
    if renditions:
        make_renditions_now(image)
    return image


def make_renditions_now(image):
    """Run the renditions job of this image now, as the worker would after the commit."""
    from articles.tasks import make_image_renditions

    make_image_renditions.call(image.pk, image.file.name, image.focal_x, image.focal_y)
    image.refresh_from_db()
    return image


def make_author(**overrides):
    n = next(_sequence)
    fields = {"name": f"Author {n}", "role": "Fellow", "bio": "Writes on regional policy."}
    fields.update(overrides)
    return services.save_author(author=Author(**fields), user=system_user())


def make_topic(**overrides):
    fields = {"name": f"Topic {next(_sequence)}"}
    fields.update(overrides)
    return services.save_topic(topic=Topic(**fields), user=system_user())


def make_article(*, authors=(), topics=(), sources=0, **overrides):
    """A published article (one minute old) unless overridden, written by the services."""
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
    inlines = {
        "authors": [{"author": author, "order": order} for order, author in enumerate(authors)],
        "topics": [{"topic": topic} for topic in topics],
        "sources": [
            {"order": order, "title": f"Source {order}", "url": "https://example.org/s"}
            for order in range(sources)
        ],
    }
    return services.create_article(user=system_user(), article=Article(**fields), inlines=inlines)


def make_draft(**overrides):
    return make_article(status=Article.Status.DRAFT, published_at=None, **overrides)


def link(from_article, to_article, order=0):
    """A curated related link, added as an editor would (a revision of `from_article`)."""
    with services.changing_articles(articles=[from_article], user=system_user()):
        related = RelatedLink(from_article=from_article, to_article=to_article, order=order)
        related.save()
    return related


def make_user(username=None, *, role=None, superuser=False, password="pw-for-tests-only"):
    user = get_user_model().objects.create_user(
        username=username or f"user{next(_sequence)}",
        password=password,
        is_staff=True,
        is_superuser=superuser,
    )
    if role:
        user.groups.add(role_group(role))
    return user


def role_group(name):
    """The role's group (tests that commit and flush the database lose the migration's)."""
    if not Group.objects.filter(name=name).exists():
        sync_roles(apps)
    return Group.objects.get(name=name)


def edit(article, *, user=None, reason="", **fields):
    """Change an article's fields as an editor saving the form would (a new revision)."""
    current = Article.objects.get(pk=article.pk)
    for name, value in fields.items():
        setattr(current, name, value)
    saved = services.save_article(
        article=current,
        user=user or system_user(),
        edited_version=current.version,
        reason=reason,
        published_at_given="published_at" in fields,
    )
    article.refresh_from_db()
    return saved


def delete(article, *, user=None):
    services.delete_article(article=article, user=user or system_user())


def change(obj, *, user=None, **fields):
    """Change an author, topic or image as an editor would in the admin."""
    for name, value in fields.items():
        setattr(obj, name, value)
    return services.save_object(obj=obj, user=user or system_user())


def make_correction(article, note="A fix.", **fields):
    """A public correction notice on an article (as a revision of it)."""
    with services.writing(user=system_user()) as unit:
        correction = PublicCorrection(article=article, note=note, **fields)
        correction.save()
        unit.touch(unit.lock_one(article.pk))
    return correction
