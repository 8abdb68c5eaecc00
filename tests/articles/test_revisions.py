from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import revisions
from articles.models import Article, Source
from tests.admin_forms import admin_form_data
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


# --- Admin: saving ---------------------------------------------------------------------


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def revisions_url(article):
    return reverse("admin:articles_article_history", args=[article.pk])


def post_change(client, article, **overrides):
    data = admin_form_data(client, change_url(article), **overrides)
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_one_admin_save_of_fields_and_inlines_writes_one_revision_with_note_and_user(
    client, editor
):
    client.force_login(editor)
    ana, bo = make_author(name="Ana"), make_author(name="Bo")
    article = make_article(authors=[ana], sources=1)
    before = len(history(article))
    data = admin_form_data(
        client,
        change_url(article),
        title="A retitled analysis",
        change_note="Retitled; added Bo and a second source. " + "Long note. " * 30,
    )
    data["article_authors-TOTAL_FORMS"] = "2"
    data.update({"article_authors-1-author": bo.pk, "article_authors-1-order": "5"})
    data["sources-TOTAL_FORMS"] = "2"
    data.update({"sources-1-title": "Second source", "sources-1-order": "3"})
    data["article_topics-TOTAL_FORMS"] = "1"
    data["article_topics-0-topic"] = make_topic(name="Energy").pk

    response = client.post(change_url(article), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    rows = history(article)
    assert len(rows) == before + 1
    latest = rows[-1]
    assert latest.title == "A retitled analysis"
    assert latest.history_user == editor
    assert latest.history_change_reason.startswith("Retitled; added Bo")
    assert len(latest.history_change_reason) > 300
    assert [a["label"] for a in latest.inline_state["authors"]] == ["Ana", "Bo"]
    assert [s["title"] for s in latest.inline_state["sources"]] == ["Source 0", "Second source"]
    assert [t["label"] for t in latest.inline_state["topics"]] == ["Energy"]


def test_an_admin_save_that_changes_nothing_writes_no_revision(admin_client):
    article = make_article(authors=[make_author(), make_author()], sources=2)
    before = len(history(article))

    post_change(admin_client, article)

    assert len(history(article)) == before


def test_changing_only_the_author_order_in_the_admin_writes_a_revision(admin_client):
    article = make_article(authors=[make_author(name="Ana"), make_author(name="Bo")])
    before = len(history(article))

    post_change(admin_client, article, **{"article_authors-0-order": "9"})

    rows = history(article)
    assert len(rows) == before + 1
    assert [a["label"] for a in rows[-1].inline_state["authors"]] == ["Bo", "Ana"]


def test_history_ids_are_64_bit():
    model = Article.history.model
    assert model._meta.get_field("history_id").get_internal_type() == "BigAutoField"
    assert model._meta.get_field("history_change_reason").get_internal_type() == "TextField"
