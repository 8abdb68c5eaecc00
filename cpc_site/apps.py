"""The project's wiring: connects the apps to the infrastructure (caches) they must not know."""

from functools import partial

from django.apps import AppConfig
from django.db import transaction

from articles import hooks

from . import caching


def retire_cached_responses(summary):
    """After the commit of a change readers can see, the cached answers of those who can see
    it are stale. A write with no change-log event (a draft, an autosave, a working copy, a
    review note) retires nothing; one that only embargo keys see (an edit of a scheduled
    article) retires only their answers."""
    audiences = {event.audience for event in summary.events}
    if caching.PUBLIC in audiences:
        # The log moved the stamp of every article whose own fragments changed, unless part
        # of the fan-out waits for a task: then those articles' fragments go too.
        stamps_moved = not (summary.deferred_fan_out or summary.dependents_pending)
        transaction.on_commit(partial(caching.invalidate_content, stamps_moved=stamps_moved))
        return
    for audience in sorted(audiences):
        transaction.on_commit(partial(caching.invalidate_audience, audience))


class SiteConfig(AppConfig):
    name = "cpc_site"
    label = "cpc_site"
    verbose_name = "Site"

    def ready(self):
        hooks.on_write(retire_cached_responses)
