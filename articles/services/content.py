"""Services for what articles show: authors, topics, images, and old addresses.

A change to an author, topic or image that a published (or scheduled) article shows is a
change of that article for readers and partners: the unit of work logs it for the object and
gives each such article an `updated` event (`Unit.object_changed`).
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q

from ..images import delete_rendition_files
from ..models import Article, Author, ContentChange, Image, Topic
from ..policy import policy
from ..revisions import system_user
from ..search import refresh_search_vectors
from .writing import writing

Subject = ContentChange.Subject


def save_new_with_free_slug(obj):
    """Insert `obj`, whose slug is made from its name: when another transaction took the same
    slug meanwhile (two editors adding "Lena Hartmann" at once), make the next free one."""
    if not hasattr(obj, "slug"):
        obj.save()
        return obj
    wanted = obj.slug
    for _attempt in range(5):
        try:
            with transaction.atomic():
                obj.save()
            return obj
        except IntegrityError:
            taken = type(obj)._default_manager.filter(slug=obj.slug).exists()
            if wanted or not taken:
                raise
            obj.slug = ""  # derived again, now seeing the other row
    raise IntegrityError(f"No free address for “{obj}”.")


def _check(user, obj, action):
    if not policy.may_change(user, obj, action):
        raise PermissionDenied(f"You may not {action} this {obj._meta.verbose_name}.")


def _lock(obj):
    """Lock the row of an existing object (first in the lock order, before any article)."""
    type(obj)._default_manager.select_for_update(no_key=True).filter(pk=obj.pk).first()


def articles_showing_author(author):
    return Article.objects.filter(article_authors__author=author)


def articles_showing_topic(topic):
    return Article.objects.filter(article_topics__topic=topic)


def articles_showing_image(image):
    return Article.objects.filter(Q(hero_image=image) | Q(article_authors__author__photo=image))


SHOWING = {
    Author: (Subject.AUTHOR, articles_showing_author),
    Topic: (Subject.TOPIC, articles_showing_topic),
    Image: (Subject.IMAGE, articles_showing_image),
}
# What articles derive from the object in the database (the search vectors hold author names).
REFRESH = {Author: refresh_search_vectors}


def save_object(*, obj, user, reason=""):
    """Create or change an author, topic or image (`obj`, with its new values set)."""
    if isinstance(obj, Image):
        return save_image(image=obj, user=user, reason=reason)
    return _save_object(obj=obj, user=user, reason=reason)


def _save_object(*, obj, user, reason):
    subject, showing = SHOWING[type(obj)]
    with writing(user=user, reason=reason) as unit:
        existed = obj.pk is not None
        _check(user, obj, "change" if existed else "add")
        if existed:
            _lock(obj)
            obj.save()
        else:
            save_new_with_free_slug(obj)
        if existed:
            unit.object_changed(subject, obj, showing(obj), refresh=REFRESH.get(type(obj)))
    return obj


def save_author(*, author, user, reason=""):
    return save_object(obj=author, user=user, reason=reason)


def save_topic(*, topic, user, reason=""):
    return save_object(obj=topic, user=user, reason=reason)


def save_image(*, image, user, reason=""):
    """Create or change an image. A new file or focal point queues its renditions: the job is
    committed with the change and a worker makes them (`articles.tasks`); until then pages
    show the original (or the renditions made for the previous focal point)."""
    with writing(user=user, reason=reason) as unit:
        due, dropped = image.mark_renditions_due()
        _save_object(obj=image, user=user, reason=reason)
        if due:
            unit.renditions_due.append((image.pk, image.file.name, image.focal_x, image.focal_y))
        if dropped:
            transaction.on_commit(lambda: delete_rendition_files(dropped))
    return image


def queue_renditions(*, image, user):
    """Make an image's renditions again (images stored before the social card and content
    hash existed, or whose renditions failed); the current ones serve meanwhile."""
    with writing(user=user, reason="Renditions queued again") as unit:
        _check(user, image, "change")
        _lock(image)
        image.renditions_status = Image.Renditions.PENDING
        image.save()
        unit.renditions_due.append((image.pk, image.file.name, image.focal_x, image.focal_y))
    return image


def find_duplicate_image(content_hash, *, exclude_pk=None):
    """An image already stored with the same picture (see `Image.content_hash`), if any."""
    if not content_hash:
        return None
    return Image.objects.filter(content_hash=content_hash).exclude(pk=exclude_pk).first()


def record_renditions(*, image_id, made_for, renditions, content_hash):
    """Store renditions a job made for (file name, focal x, focal y), if the image still has
    these. Returns the renditions they replace (their files can go), or None when the image
    changed or went meanwhile (then the new ones are not wanted)."""
    with writing(user=system_user(), reason="Renditions made") as unit:
        image = Image.objects.select_for_update().filter(pk=image_id).first()
        if image is None or (image.file.name, image.focal_x, image.focal_y) != tuple(made_for):
            return None
        replaced = [r for r in image.renditions if r not in renditions]
        image.renditions = renditions
        image.renditions_status = Image.Renditions.READY
        image.content_hash = content_hash
        image.save()
        unit.object_changed(Subject.IMAGE, image, articles_showing_image(image))
    return replaced


def record_renditions_failed(*, image_id, made_for):
    with writing(user=system_user(), reason="Renditions failed"):
        image = Image.objects.select_for_update().filter(pk=image_id).first()
        if image is not None and (image.file.name, image.focal_x, image.focal_y) == tuple(made_for):
            image.renditions_status = Image.Renditions.FAILED
            image.save()


def delete_object(*, obj, user, reason=""):
    """Delete an author, topic or image. Articles that lose it (a topic, a hero image) are
    revised; an author still named in a byline cannot be deleted (ProtectedError)."""
    subject, showing = SHOWING[type(obj)]
    with writing(user=user, reason=reason or "Deleted") as unit:
        _check(user, obj, "delete")
        _lock(obj)
        affected = unit.lock(list(showing(obj).order_by("pk").values_list("pk", flat=True)))
        unit.subjects.append((subject, obj.pk, ContentChange.Audience.PUBLIC))
        obj.delete()
        for article in affected.values():
            article.refresh_from_db()
            unit.touch(article, shows_change=True)


def save_legacy_path(*, legacy_path, user):
    with writing(user=user) as unit:
        _check(user, legacy_path, "change" if legacy_path.pk else "add")
        legacy_path.save()
        unit.subjects.append((Subject.SITE, legacy_path.pk, ContentChange.Audience.PUBLIC))
    return legacy_path


def delete_legacy_path(*, legacy_path, user):
    with writing(user=user) as unit:
        _check(user, legacy_path, "delete")
        unit.subjects.append((Subject.SITE, legacy_path.pk, ContentChange.Audience.PUBLIC))
        legacy_path.delete()


__all__ = [
    "articles_showing_author",
    "articles_showing_image",
    "articles_showing_topic",
    "delete_legacy_path",
    "delete_object",
    "find_duplicate_image",
    "queue_renditions",
    "record_renditions",
    "record_renditions_failed",
    "save_author",
    "save_image",
    "save_legacy_path",
    "save_object",
    "save_topic",
]
