"""Revision history: the one way content models record their history."""

from django.db import models
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record, pre_create_historical_record


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


def _later(name):
    """A signal receiver from `articles.revisions`, imported when first called (no cycle)."""

    def receiver(*args, **kwargs):
        from . import revisions

        return getattr(revisions, name)(*args, **kwargs)

    return receiver


class ArticleHistoricalRecords(HistoricalRecords):
    """Article history rows are whole revisions; the rules live in `articles.revisions`."""

    recorder = None

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            type(self).recorder = self
            history_model = getattr(sender, self.manager_name).model
            models.signals.pre_delete.connect(_later("article_pre_delete"), sender, weak=False)
            pre_create_historical_record.connect(
                _later("attach_inline_state"), history_model, weak=False
            )
            post_create_historical_record.connect(_later("inline_history_created"), weak=False)

    def create_historical_record(self, instance, history_type, using=None):
        from . import revisions

        if revisions.prepare_revision(instance, history_type):
            super().create_historical_record(instance, history_type, using=using)


def article_history():
    """History of articles: one row per revision, with the inline rows of that moment."""
    return ArticleHistoricalRecords(
        history_id_field=models.BigAutoField(),
        history_change_reason_field=models.TextField(null=True),
        bases=[ArticleRevisionFields],
    )
