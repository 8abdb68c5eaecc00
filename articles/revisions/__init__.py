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

When a revision is written: only by the write path (`articles.services`), once per service call
and article, after the article and all its inline rows are saved, and only when its fields or
inline rows differ from its latest revision ("latest" is the highest `history_id`, so equal
dates never mislead). A deletion writes a last revision ("-") with the inline rows as they
were. Bulk writers (imports) write rows with `bulk_create`; a NULL `inline_state` means
"inline rows as in the previous revision". Other apps add their own inline rows to revisions
with `register_inline` (the `related` app's curated links).

Acting user: the service's `user`; management commands act as `--user <username>`, else as
the inactive system user "system" (`command_user()`), so a history row never lacks an author.

Lost updates. A new revision raises `Article.version`; the admin form carries the version it
was opened with (`edited_version`) and the service refuses a stale or missing one.

Restoring brings back the fields and inline rows of a revision as a new revision; the
article keeps its current status and publication time unless the editor asks otherwise.

Modules: `capture` (writing revisions), `reading` (lists, the public API's list), `compare`,
`restore` (restore, undelete, public corrections). Import from `articles.revisions`.
"""

from .capture import (
    CONTENT_FIELDS,
    INLINES,
    SYSTEM_USERNAME,
    InlineKind,
    command_user,
    comparable_state,
    empty_state,
    inline_state,
    latest_revision,
    register_inline,
    resolved_state,
    revision_due,
    revision_row,
    state_from_rows,
    system_user,
    write_revision,
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
    apply_revision_fields,
    deleted_articles,
    public_correction_due,
    restore_inlines,
    restore_reason,
    revive,
    undelete_reason,
)

__all__ = [
    "CONTENT_FIELDS",
    "INLINES",
    "SYSTEM_USERNAME",
    "Comparison",
    "InlineKind",
    "PublishedRevision",
    "RestoreResult",
    "apply_revision_fields",
    "command_user",
    "comparable_state",
    "compare_revisions",
    "conflict_changes",
    "deleted_articles",
    "empty_state",
    "get_revision",
    "inline_state",
    "latest_revision",
    "public_correction_due",
    "published_revisions",
    "register_inline",
    "resolved_state",
    "restore_inlines",
    "restore_reason",
    "revision_due",
    "revision_list",
    "revision_row",
    "state_from_rows",
    "revive",
    "system_user",
    "undelete_reason",
    "user_label",
    "word_diff",
    "write_revision",
]
