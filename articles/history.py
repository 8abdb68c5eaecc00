"""Revision history: the one way content models record their history."""

from django.db import models
from simple_history.models import HistoricalRecords

# Change-log bookkeeping on the article row: not content, so not part of a revision.
UNTRACKED_ARTICLE_FIELDS = ["modified_at", "feed_state", "feed_slug"]


def content_history(**options):
    """HistoricalRecords with 64-bit ids and change notes of any length."""
    return HistoricalRecords(
        history_id_field=models.BigAutoField(),
        history_change_reason_field=models.TextField(null=True),
        **options,
    )


class ArticleRevisionFields(models.Model):
    """What an article history row adds to the article's fields: its inline rows at that moment."""

    inline_state = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class ArticleHistoricalRecords(HistoricalRecords):
    """Article history rows are whole revisions, written only by the write path.

    simple-history would write a row on every `save()` and `delete()`; an article revision is
    instead written once per service call, after the article and all its inline rows are
    saved (`articles.revisions.record_revision`), so these signal handlers do nothing.
    """

    def post_save(self, instance, created, using=None, **kwargs):
        return

    def post_delete(self, instance, using=None, **kwargs):
        return


def article_history():
    """History of articles: one row per revision, with the inline rows of that moment."""
    return ArticleHistoricalRecords(
        history_id_field=models.BigAutoField(),
        history_change_reason_field=models.TextField(null=True),
        bases=[ArticleRevisionFields],
        excluded_fields=UNTRACKED_ARTICLE_FIELDS,
    )
