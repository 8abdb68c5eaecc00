"""Jobs of the related app: suggestions are refreshed after the change, never inside it."""

from django_tasks import task

from articles import hooks

from . import services

# After an import: up to this many published articles get their suggestions refreshed one by
# one (a bounded pool around each); more, and one full rebuild is cheaper.
IMPORT_REFRESH_LIMIT = 200


@task()
def refresh_suggestions(article_ids: list[int]) -> None:
    services.refresh_suggestions(article_ids=article_ids)


@task()
def rebuild_all_suggestions() -> int:
    return services.rebuild_all_suggestions()


@hooks.on_write
def enqueue_refresh(summary):
    """Articles whose words, topics, authors or visibility changed, and those that showed a
    deleted article, get their suggestions (and their neighbours') recomputed."""
    if summary.bulk:
        return
    ids = (summary.changed | summary.propagate | summary.showing_deleted) - summary.deleted
    if ids:
        refresh_suggestions.enqueue(sorted(ids))


@hooks.on_import_done
def enqueue_after_import(article_ids):
    if len(article_ids) <= IMPORT_REFRESH_LIMIT:
        refresh_suggestions.enqueue(sorted(article_ids))
    else:
        rebuild_all_suggestions.enqueue()
