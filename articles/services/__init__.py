"""The write path: every change to content goes through a function of this package.

HackSoft/Zulip style: keyword-only arguments, the acting user explicit, one transaction each
(`writing.writing`, whose docstring says what every service does at its end and in which order
locks are taken). Signals carry no domain work; content models refuse to be saved anywhere
else (`articles.write_path`).
"""

from ..write_path import current_unit
from .articles import (
    StaleEdit,
    archive_article,
    changing_articles,
    create_article,
    create_articles,
    default_publication_time,
    delete_article,
    publish_article,
    publish_due_articles,
    remember_old_slug,
    replace_inline_rows,
    restore_revision,
    save_article,
    undelete_article,
    unpublish_article,
)
from .content import (
    articles_showing_author,
    articles_showing_image,
    articles_showing_topic,
    delete_legacy_path,
    delete_object,
    find_duplicate_image,
    queue_renditions,
    record_renditions,
    record_renditions_failed,
    save_author,
    save_image,
    save_legacy_path,
    save_object,
    save_topic,
)
from .translations import mark_translation_current, translate_article, translation_changes
from .working_copies import (
    autosave,
    clear_autosave,
    discard_working_copy,
    publish_due_working_copies,
    publish_working_copy,
    request_changes,
    start_working_copy,
    submit_for_review,
)
from .writing import FAN_OUT_INLINE, Unit, writing

__all__ = [
    "mark_translation_current",
    "translate_article",
    "translation_changes",
    "FAN_OUT_INLINE",
    "StaleEdit",
    "Unit",
    "archive_article",
    "autosave",
    "clear_autosave",
    "discard_working_copy",
    "publish_due_working_copies",
    "publish_working_copy",
    "queue_renditions",
    "record_renditions",
    "record_renditions_failed",
    "request_changes",
    "start_working_copy",
    "articles_showing_author",
    "articles_showing_image",
    "articles_showing_topic",
    "changing_articles",
    "create_article",
    "create_articles",
    "current_unit",
    "default_publication_time",
    "delete_article",
    "delete_legacy_path",
    "delete_object",
    "find_duplicate_image",
    "publish_article",
    "publish_due_articles",
    "remember_old_slug",
    "replace_inline_rows",
    "restore_revision",
    "save_article",
    "save_author",
    "save_image",
    "save_legacy_path",
    "save_object",
    "save_topic",
    "submit_for_review",
    "undelete_article",
    "unpublish_article",
    "writing",
]
