"""Plug points the articles app offers to apps built on it (`related` uses all of them).

Arrows between apps go one way: `related` imports `articles`, never the reverse. What the
articles app must do with another app's data (snapshot its rows in revisions, tell it an
article changed, show its field in the API, import it) goes through these registries, filled
from that app's `AppConfig.ready()`:

- `articles.revisions.register_inline(kind)`: rows that belong to article revisions.
- `on_write(callback)`: `callback(summary)` runs at the end of every service, inside its
  transaction (so a task it enqueues is a job row committed with the change), with a
  `WriteSummary` of what the service changed.
- `register_dependents(function)`: `function(article_ids)` returns the ids of other articles
  whose pages or API representation show those articles (the related-articles block); they
  get an `updated` event when those articles change what readers see.
- `register_detail_field(name, field_factory)`: a field of the API's article detail.
- `register_import_handler(name, handler)`: writes a part of imported articles that belongs to
  another app (the related app: "related", curated links).
- `on_import_done(callback)`: `callback(article_ids)` after an import wrote these published
  articles (an import's own units are `bulk`: per-unit follow-up work is skipped for them).
"""

from dataclasses import dataclass, field

_write_callbacks = []
_import_callbacks = []
_dependents = []
detail_fields = {}
import_handlers = {}


@dataclass
class WriteSummary:
    """What one service call changed."""

    user: object
    bulk: bool = False  # an import: follow-up work is done once at its end (`on_import_done`)
    changed: set = field(default_factory=set)  # ids of articles whose content changed
    public: set = field(default_factory=set)  # ids with an event readers or partners get
    deleted: set = field(default_factory=set)  # ids of deleted articles
    events: list = field(default_factory=list)  # the change-log rows written
    # ids of articles with an event about their own change (not only something they show):
    # what other articles show of them may have changed too
    propagate: set = field(default_factory=set)
    subjects: list = field(default_factory=list)  # (subject, id, audience) of other objects
    deferred_fan_out: list = field(default_factory=list)  # (subject, id, since) for a task
    dependents_pending: bool = False  # articles showing changed ones are told by a task
    showing_deleted: set = field(default_factory=set)  # ids of articles that showed a deleted one
    # (image id, file name, focal x, focal y) of images whose renditions are to be made
    renditions_due: list = field(default_factory=list)


def on_write(callback):
    if callback not in _write_callbacks:
        _write_callbacks.append(callback)
    return callback


def run_write_callbacks(summary):
    for callback in _write_callbacks:
        callback(summary)


def register_dependents(function):
    if function not in _dependents:
        _dependents.append(function)
    return function


def dependents_of(article_ids):
    """Ids of other articles that show any of `article_ids` (from every registered app)."""
    found = set()
    for function in _dependents:
        found.update(function(article_ids))
    return found - set(article_ids)


def register_detail_field(name, field_factory):
    detail_fields[name] = field_factory


def register_import_handler(name, handler):
    import_handlers[name] = handler


def on_import_done(callback):
    if callback not in _import_callbacks:
        _import_callbacks.append(callback)
    return callback


def run_import_callbacks(article_ids):
    for callback in _import_callbacks:
        callback(article_ids)
