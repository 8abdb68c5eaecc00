"""Background work of the write path, on Django's task queue (`django-tasks`, database backend).

Jobs are enqueued by the `on_write` callback below, inside the service's transaction: a job is
a row committed with the change that needs it (or rolled back with it). Workers run them after
the commit (`manage.py worker`, which also runs `publish_due` every few seconds).

- `fan_out_change`: the articles showing a changed author, topic or image that the service
  did not reach itself (more than `FAN_OUT_INLINE`, or busy) get their `updated` event, in
  batches of `BATCH` articles per transaction, so no transaction runs long.
- `make_image_renditions`: the renditions of a new image file or focal point (Pillow work,
  outside any transaction); stored only if the image still has that file and focal point.
  `make_renditions_of_images` does the same for up to `RENDITIONS_BATCH` images at once (an
  import's images: a few job rows per batch instead of one per image).
- `log_dependents`: articles whose related-articles block shows an article that changed for
  readers (registered through `articles.hooks.register_dependents`) get their `updated` event.
"""

import logging
from datetime import datetime

from django.db.models import Q
from django_tasks import task

from . import changes, hooks, images, prerender, services
from .models import Article, Author, ContentChange, Image, Topic
from .pdfs import refresh_pdfs
from .revisions import system_user
from .search import refresh_search_vectors

logger = logging.getLogger(__name__)
BATCH = 500
PDF_BATCH = 50  # a PDF takes a few hundred milliseconds: jobs of bounded length
RENDITIONS_BATCH = 10  # images per renditions job (up to ~1.6 s each): jobs of bounded length
Subject = ContentChange.Subject
SHOWING = {
    Subject.AUTHOR: services.articles_showing_author,
    Subject.TOPIC: services.articles_showing_topic,
    Subject.IMAGE: services.articles_showing_image,
}
MODELS = {Subject.AUTHOR: Author, Subject.TOPIC: Topic, Subject.IMAGE: Image}


def _not_told_since(queryset, since):
    """Articles readers can see whose last event predates `since` (the others have one)."""
    return (
        queryset.filter(status=Article.Status.PUBLISHED)
        .filter(Q(modified_at__lt=since) | Q(modified_at__isnull=True))
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def _touch_in_batches(candidates, *, reason):
    """Give each candidate article an `updated` event, BATCH per transaction."""
    done = 0
    while ids := list(candidates[:BATCH]):
        with services.writing(user=system_user(), reason=reason) as unit:
            for article in unit.lock(ids).values():
                unit.touch(article, shows_change=True)
        done += len(ids)
        if len(ids) < BATCH:
            break
    return done


def _refresh_search_in_batches(articles):
    """Recompute the search vectors of these articles (an author's new name), in id order."""
    last = 0
    while ids := list(
        articles.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
    ):
        with services.writing(user=system_user()) as unit:
            refresh_search_vectors(list(unit.lock(ids)))
        last = ids[-1]


@task()
def fan_out_change(subject: str, object_id: int, since: str) -> int:
    obj = MODELS[subject]._default_manager.filter(pk=object_id).first()
    if obj is None:
        return 0
    if subject == Subject.AUTHOR:
        _refresh_search_in_batches(services.articles_showing_author(obj))
    candidates = _not_told_since(SHOWING[subject](obj), datetime.fromisoformat(since))
    return _touch_in_batches(candidates, reason=f"{obj._meta.verbose_name} changed")


@task()
def log_dependents(article_ids: list[int], since: str, known: list[int] | None = None) -> int:
    """`known`: dependents found before the articles were deleted (their links are gone)."""
    dependents = hooks.dependents_of(article_ids) | set(known or ())
    if not dependents:
        return 0
    candidates = _not_told_since(
        Article.objects.filter(pk__in=dependents), datetime.fromisoformat(since)
    )
    return _touch_in_batches(candidates, reason="A related article changed")


@task()
def make_image_renditions(image_id: int, file_name: str, focal_x: float, focal_y: float) -> int:
    """Returns how many renditions were stored (0 for an outdated or finished job)."""
    return _make_renditions(image_id, file_name, focal_x, focal_y)


@task()
def make_renditions_of_images(jobs: list[list]) -> int:
    """`make_image_renditions` for several images ([image id, file, focal x, focal y] each):
    an import's batch of images is one job, not one job row per image."""
    stored = 0
    for job in jobs:
        try:
            stored += _make_renditions(*job)
        except Exception:  # one image's unexpected failure does not hold back the others
            logger.exception("Renditions of image %s failed", job[0])
    return stored


def _make_renditions(image_id, file_name, focal_x, focal_y):
    made_for = (file_name, focal_x, focal_y)
    image = Image.objects.filter(pk=image_id).first()
    if image is None or (image.file.name, image.focal_x, image.focal_y) != made_for:
        return 0  # a later change queued its own job
    if image.renditions_status == Image.Renditions.READY:
        return 0
    try:
        renditions, content_hash = images.make_renditions(image.file, focal=(focal_x, focal_y))
    except (OSError, ValueError, images.PILImage.DecompressionBombError):
        logger.exception("Renditions of image %s failed", image_id)
        services.record_renditions_failed(image_id=image_id, made_for=made_for)
        return 0
    replaced = services.record_renditions(
        image_id=image_id, made_for=made_for, renditions=renditions, content_hash=content_hash
    )
    images.delete_rendition_files(renditions if replaced is None else replaced)  # committed
    return 0 if replaced is None else len(renditions)


@task()
def publish_due() -> int:
    """Scheduled articles and scheduled changes (approved working copies) whose time came."""
    return services.publish_due_articles() + services.publish_due_working_copies()


@hooks.on_write
def enqueue_follow_up_work(summary):
    """Inside the service's transaction: the jobs its change needs."""
    due = summary.renditions_due
    if len(due) == 1:
        make_image_renditions.enqueue(*due[0])
    for start in range(0, len(due) if len(due) > 1 else 0, RENDITIONS_BATCH):
        make_renditions_of_images.enqueue(
            [list(job) for job in due[start : start + RENDITIONS_BATCH]]
        )
    for subject, object_id, since in summary.deferred_fan_out:
        fan_out_change.enqueue(subject, object_id, since.isoformat())
    if summary.propagate:
        since = max(event.recorded_at for event in summary.events)
        known = sorted(summary.showing_deleted)
        log_dependents.enqueue(sorted(summary.propagate), since.isoformat(), known)
    pdf_ids = summary.public | summary.deleted
    for start in range(0, len(pdf_ids), PDF_BATCH):
        build_article_pdfs.enqueue(sorted(pdf_ids)[start : start + PDF_BATCH])
    for start in range(0, len(pdf_ids), prerender.BATCH):
        build_article_renderings.enqueue(sorted(pdf_ids)[start : start + prerender.BATCH])


@task()
def build_article_pdfs(article_ids: list[int]) -> int:
    """PDFs of articles whose public page changed (stale ones are rebuilt, removed ones go)."""
    return refresh_pdfs(article_ids)


@task()
def build_article_renderings(article_ids: list[int]) -> int:
    """Stored renderings of articles whose public page changed (see articles.prerender)."""
    return prerender.build_renderings(article_ids)


@task()
def stamp_commit_times() -> int:
    return changes.stamp_settled()
