from datetime import timedelta

import pytest
from django.utils import timezone

from articles import revisions
from articles.models import Article, Source
from tests.factories import make_article, make_author, make_draft, make_topic

pytestmark = pytest.mark.django_db


def history(article):
    return list(Article.history.filter(id=article.pk).order_by("history_id"))


# --- Capturing -------------------------------------------------------------------------


def test_a_save_that_changes_nothing_writes_no_revision():
    article = make_article()
    before = len(history(article))

    article.save()
    Article.objects.get(pk=article.pk).save()

    assert len(history(article)) == before


def test_a_revision_carries_the_inline_rows_of_its_moment():
    first, second = make_author(name="Ana First"), make_author(name="Bo Second")
    article = make_article(authors=[first, second], topics=[make_topic(name="Energy")], sources=1)

    latest = history(article)[-1]

    state = latest.inline_state
    assert [row["label"] for row in state["authors"]] == ["Ana First", "Bo Second"]
    assert [row["label"] for row in state["topics"]] == ["Energy"]
    assert [row["title"] for row in state["sources"]] == ["Source 0"]


def test_editing_only_a_source_in_code_writes_an_article_revision():
    article = make_article(sources=1)
    before = len(history(article))
    source = Source.objects.get(article=article)

    source.title = "A corrected source title"
    source.save()

    rows = history(article)
    assert len(rows) == before + 1
    assert rows[-1].inline_state["sources"][0]["title"] == "A corrected source title"


# --- Public API helper -----------------------------------------------------------------


def test_published_revisions_lists_public_revisions_newest_first_without_drafts():
    article = make_draft(title="Draft title", body="<p>Secret draft text.</p>")
    article.title = "Draft title, second pass"
    article.save()
    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now() - timedelta(minutes=5)
    article.title = "Published title"
    article._change_reason = "First publication (asked by ed@example.org)"
    article.save()
    article.title = "Published title, corrected"
    article._change_reason = "Fixed a figure"
    article.save()

    published = revisions.published_revisions(article)

    assert [r.fields["title"] for r in published] == [
        "Published title, corrected",
        "Published title",
    ]
    assert published[0].change_reason == "Fixed a figure"
    assert "ed@example.org" not in published[1].change_reason
    assert published[0].history_id > published[1].history_id
    assert published[0].revision_date >= published[1].revision_date
    assert all(not r.fields["title"].startswith("Draft title") for r in published)
    assert {"title", "body", "authors", "topics", "sources"} <= set(published[0].fields)


def test_published_revisions_leaves_out_scheduled_and_replaced_before_going_live():
    article = make_draft(title="Embargoed")
    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now() + timedelta(days=1)
    article.save()

    assert revisions.published_revisions(article) == []
