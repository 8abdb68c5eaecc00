"""Periodic duty of `manage.py worker`: partner request counts from the cache to the database."""

from django_tasks import task

from . import models


@task()
def flush_usage() -> int:
    return models.flush_usage()
