"""Webhook work for `manage.py worker` (settings `WORKER_PERIODIC_TASKS`): every second, turn
new change-log events into deliveries, then send what is due (new ones, retries, deliveries
whose worker died mid-send)."""

from django_tasks import task

from .delivery import deliver_all
from .dispatch import dispatch_all


@task()
def dispatch_and_deliver() -> int:
    dispatch_all()
    return deliver_all()
