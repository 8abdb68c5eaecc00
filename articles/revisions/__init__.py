"""Article revisions: the whole article at a moment; compare, restore, undelete.

Design. A revision is one row of the article's django-simple-history table. Besides the
article's own fields the row carries `inline_state`: a JSON snapshot of the article's ordered
authors, topics, sources and curated related links, taken when the row is written. We chose
a snapshot over `as_of` queries on the four inline history tables because `as_of` attributes
inline rows to a revision by comparing `history_date` across tables: rows written in the same
microsecond (ties, coarse clocks) or an admin save that writes the article before its
inlines end up in the wrong revision, and differently on SQLite and PostgreSQL. A snapshot
is exact on every database, and reading one revision costs one row. The inline tables keep
their own history as well (who removed which source, deleted rows stay recoverable).

When a revision is written:
- `Article.save()` writes one (through `ArticleHistoricalRecords` → `prepare_revision`) only
  when the fields or the inline snapshot differ from the latest revision: no noise.
  "Latest" is the highest `history_id` (insertion order), so equal dates never mislead.
- A change to an inline row made in code (services, scripts) writes an article revision;
  rows added in the same transaction that created the article (seed_demo, factories, an API
  create) join the creation revision instead, since nobody could see the article without them.
- Inside `collecting()` (an admin save, an import of one article) nothing is written
  automatically: the block's owner writes ONE revision per touched article after the form
  and all inline formsets are saved (`record_revision`, `touched_articles`).
- Deleting an article snapshots its inline rows at `pre_delete` (before the cascade).
- Bulk writes (`bulk_create_with_history`, `bulk_update_with_history`) write rows without a
  snapshot; a NULL `inline_state` means "inline rows as in the previous revision".

Acting user. Admin requests: simple-history's HistoryRequestMiddleware. Services take `user=`.
Management commands take `--user <username>` and otherwise act as the inactive system user
"system" (`command_user()`), inside `acting_as(user)`, so a history row never lacks an author.

Lost updates. `Article.save()` raises `Article.version`; the admin form carries the version
it was opened with (`edited_version`) and a stale save is refused (`articles.admin_revisions`).

Restoring brings back the fields and inline rows of a revision as a new revision; the
article keeps its current status and publication time unless the editor asks otherwise.

Modules: `capture` (writing revisions), `reading` (lists, the public API's list), `compare`,
`restore` (restore, undelete, public corrections). Import from `articles.revisions`.
"""

from .capture import (
    CONTENT_FIELDS,
    EMPTY_STATE,
    INLINES,
    SYSTEM_USERNAME,
    acting_as,
    article_pre_delete,
    attach_inline_state,
    collecting,
    command_user,
    comparable_state,
    inline_history_created,
    inline_state,
    latest_revision,
    prepare_revision,
    record_revision,
    resolved_state,
    system_user,
    touched_articles,
)
from .compare import Comparison, compare_revisions, conflict_changes, word_diff
from .reading import (
    PublishedRevision,
    get_revision,
    published_revisions,
    revision_list,
    user_label,
)
from .restore import (
    RestoreResult,
    deleted_articles,
    public_correction_due,
    record_public_correction,
    restore_reason,
    restore_revision,
    undelete_article,
)

__all__ = [
    "CONTENT_FIELDS",
    "EMPTY_STATE",
    "INLINES",
    "SYSTEM_USERNAME",
    "Comparison",
    "PublishedRevision",
    "RestoreResult",
    "acting_as",
    "article_pre_delete",
    "attach_inline_state",
    "collecting",
    "command_user",
    "comparable_state",
    "compare_revisions",
    "conflict_changes",
    "deleted_articles",
    "get_revision",
    "inline_history_created",
    "inline_state",
    "latest_revision",
    "prepare_revision",
    "public_correction_due",
    "published_revisions",
    "record_public_correction",
    "record_revision",
    "resolved_state",
    "restore_reason",
    "restore_revision",
    "revision_list",
    "system_user",
    "touched_articles",
    "undelete_article",
    "user_label",
    "word_diff",
]
