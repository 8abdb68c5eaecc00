"""Two editors in the admin at once: the second, stale save is refused and nothing is lost."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article
from tests.admin_forms import admin_form_data
from tests.factories import make_article, make_author, make_draft, make_user

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.fixture
def two_editors(editor):
    first, second = Client(), Client()
    lena = make_user("lena", role="Editor")
    lena.first_name, lena.last_name = "Lena", "Hartmann"
    lena.save()
    first.force_login(lena)
    second.force_login(editor)
    return first, second


def test_the_second_stale_save_is_refused_naming_the_other_editor_and_keeping_the_text(
    two_editors,
):
    first, second = two_editors
    article = make_draft(title="Gas transit", body="<p>Exports rose by ten percent.</p>")
    url = change_url(article)
    first_form = admin_form_data(first, url, title="Gas transit after 2025")
    second_form = admin_form_data(
        second, url, body="<p>Exports rose by twelve percent, officials said.</p>"
    )

    assert first.post(url, first_form).status_code == 302
    refused = second.post(url, second_form)

    assert refused.status_code == 200
    content = refused.content.decode()
    assert "Lena Hartmann saved this article at" in content
    assert "Your changes have not been saved" in content
    stored = Article.objects.get(pk=article.pk)
    assert stored.title == "Gas transit after 2025"
    assert "ten percent" in stored.body
    form = refused.context["adminform"].form
    assert "twelve percent, officials said" in form["body"].value()
    assert form["title"].value() == "Gas transit"  # what the second editor submitted
    conflict = form.conflict
    assert conflict.editor == "Lena Hartmann"
    assert [(c.name, c.old, c.new) for c in conflict.fields] == [
        ("title", "Gas transit after 2025", "Gas transit")
    ]
    assert "<del>ten</del>" in conflict.body_diff and "<ins>twelve</ins>" in conflict.body_diff
    assert 'id="revision-conflict"' in content and "<ins>twelve</ins>" in content


def test_after_reading_the_diff_the_second_editor_can_save_deliberately(two_editors):
    first, second = two_editors
    article = make_draft(title="Original")
    url = change_url(article)
    first_form = admin_form_data(first, url, title="First editor's title")
    second_form = admin_form_data(second, url, title="Second editor's title")
    first.post(url, first_form)
    refused = second.post(url, second_form)

    form = refused.context["adminform"].form
    resubmitted = {**second_form, "edited_version": form["edited_version"].value()}
    response = second.post(url, resubmitted)

    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).title == "Second editor's title"


def test_an_inline_only_change_by_another_editor_also_makes_a_form_stale(two_editors):
    first, second = two_editors
    article = make_draft(authors=[make_author(name="Ana"), make_author(name="Bo")])
    url = change_url(article)
    first_form = admin_form_data(first, url, **{"article_authors-0-order": "7"})
    second_form = admin_form_data(second, url, dek="A new dek")

    first.post(url, first_form)
    refused = second.post(url, second_form)

    assert refused.status_code == 200
    assert [a.name for a in Article.objects.get(pk=article.pk).ordered_authors] == ["Bo", "Ana"]


def test_a_publish_action_between_opening_and_saving_makes_the_form_stale(two_editors, publisher):
    _, second = two_editors
    article = make_article(title="Draft to publish", status="draft", published_at=None)
    url = change_url(article)
    stale = admin_form_data(second, url, title="Edited meanwhile")
    publisher_client = Client()
    publisher_client.force_login(publisher)
    publisher_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [article.pk]},
    )

    refused = second.post(url, stale)

    assert refused.status_code == 200
    stored = Article.objects.get(pk=article.pk)
    assert stored.status == Article.Status.PUBLISHED and stored.title == "Draft to publish"


def test_saves_in_turn_are_never_refused(two_editors):
    first, second = two_editors
    article = make_draft()
    url = change_url(article)

    first.post(url, admin_form_data(first, url, title="One"))
    response = second.post(url, admin_form_data(second, url, title="Two"))

    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).title == "Two"


def test_two_editors_correcting_a_live_article_at_once_meet_in_one_working_copy(two_editors):
    """Both opened the live article; the first save starts its working copy; the second is
    refused with the other editor's name and keeps its text, then saves into the copy."""
    first, second = two_editors
    article = make_article(title="Live", authors=[make_author(name="Ana")])
    url = change_url(article)
    first_form = admin_form_data(first, url, title="First correction")
    second_form = admin_form_data(second, url, dek="Second correction")

    assert first.post(url, first_form).status_code == 302
    refused = second.post(url, second_form)

    assert refused.status_code == 200
    assert "Someone started this article" in refused.content.decode()
    copy = Article.objects.get(working_copy_of=article)
    assert copy.title == "First correction" and copy.dek != "Second correction"
    form = refused.context["adminform"].form
    assert form["dek"].value() == "Second correction"
    again = admin_form_data(second, url, dek="Second correction")
    assert second.post(url, again).status_code == 302
    copy.refresh_from_db()
    assert (copy.title, copy.dek) == ("First correction", "Second correction")
    assert Article.objects.get(pk=article.pk).title == "Live"
