"""Helpers shared by the related-articles tests."""

import re

from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from related.services import refresh_suggestions


def block_titles(response):
    """Titles in the page's "Related Articles" block, in order (empty when there is no block)."""
    html = response.content.decode()
    match = re.search(r'<section class="related".*?</section>', html, re.S)
    if not match:
        return []
    return re.findall(r'<li class="related-\w+"><a href="[^"]+">([^<]+)</a>', match.group(0))


def block_kinds(response):
    html = response.content.decode()
    return re.findall(r'<li class="related-(\w+)">', html)


def refresh_all(*articles):
    refresh_suggestions(article_ids=[article.pk for article in articles])


def run_jobs(run_tasks):
    """Run the queued jobs (as the worker does after a commit); none of them may fail."""
    run_tasks()
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    assert not failed.exists(), list(failed.values_list("task_path", "exception_class_path"))
