"""The worker command: jobs from the database queue, periodic duties; with another tasks
backend (RQ, Celery: their own workers run the jobs) the periodic duties only."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)


def test_with_another_tasks_backend_the_worker_runs_the_periodic_duties_only(settings, monkeypatch):
    scheduled = make_article(published_at=timezone.now() + timedelta(minutes=1))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    call_command("worker", "--once")  # no database queue to drain: no error
    assert Article.objects.get(pk=scheduled.pk).feed_state == "live"  # the duty ran
