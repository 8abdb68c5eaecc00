"""Background work of the write path, on Django's task queue (`django-tasks`, database backend).

Jobs are enqueued by the `on_write` callback below, inside the service's transaction: a job is
a row committed with the change that needs it (or rolled back with it). Workers run them after
the commit (`manage.py worker`, which also runs `publish_due` every few seconds).

- `fan_out_change`: the articles showing a changed author, topic or image that the service
  did not reach itself (more than `FAN_OUT_INLINE`, or busy) get their `updated` event, in
  batches of `BATCH` articles per transaction, so no transaction runs long.
- `log_dependents`: articles whose related-articles block shows an article that changed for
  readers (registered through `articles.hooks.register_dependents`) get their `updated` event.
"""

from datetime import datetime

from django.db.models import Q
from django_tasks import task

from . import changes, hooks, services
from .models import Article, Author, ContentChange, Image, Topic
from .pdfs import refresh_pdfs
from .revisions import system_user
from .search import refresh_search_vectors

BATCH = 500
PDF_BATCH = 50  # a PDF takes a few hundred milliseconds: jobs of bounded length
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
def publish_due() -> int:
    """Scheduled articles and scheduled changes (approved working copies) whose time came."""
    return services.publish_due_articles() + services.publish_due_working_copies()


@hooks.on_write
def enqueue_follow_up_work(summary):
    """Inside the service's transaction: the jobs its change needs."""
    for subject, object_id, since in summary.deferred_fan_out:
        fan_out_change.enqueue(subject, object_id, since.isoformat())
    if summary.propagate:
        since = max(event.recorded_at for event in summary.events)
        known = sorted(summary.showing_deleted)
        log_dependents.enqueue(sorted(summary.propagate), since.isoformat(), known)
    pdf_ids = summary.public | summary.deleted
    for start in range(0, len(pdf_ids), PDF_BATCH):
        build_article_pdfs.enqueue(sorted(pdf_ids)[start : start + PDF_BATCH])


@task()
def build_article_pdfs(article_ids: list[int]) -> int:
    """PDFs of articles whose public page changed (stale ones are rebuilt, removed ones go)."""
    return refresh_pdfs(article_ids)


@task()
def stamp_commit_times() -> int:
    return changes.stamp_settled()
