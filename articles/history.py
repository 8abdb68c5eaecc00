"""Revision history: the one way content models record their history."""

from django.db import models
from simple_history.models import HistoricalRecords


def content_history(**options):
    """HistoricalRecords with 64-bit ids and change notes of any length."""
    return HistoricalRecords(
        history_id_field=models.BigAutoField(),
        history_change_reason_field=models.TextField(null=True),
        **options,
    )
