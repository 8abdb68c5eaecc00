import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from articles.models import Article
from tests.admin_forms import admin_form_data
from tests.factories import make_article, make_draft

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def test_roles_are_created_by_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Contributor",
        "Editor",
        "Publisher",
    }
    publisher = Group.objects.get(name="Publisher").permissions.values_list("codename", flat=True)
    editor = Group.objects.get(name="Editor").permissions.values_list("codename", flat=True)
    assert "publish_article" in publisher
    assert "publish_article" not in editor


def test_contributor_writes_a_draft_and_submits_it_for_review(client, contributor):
    client.force_login(contributor)
    data = admin_form_data(
        client, reverse("admin:articles_article_add"), title="My draft", _submit="Submit"
    )

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302
    article = Article.objects.get(title="My draft")
    assert article.status == "in_review"
    assert article.created_by == contributor


def test_contributor_cannot_publish_by_crafting_a_post(client, contributor):
    client.force_login(contributor)
    draft = make_draft(title="Mine", created_by=contributor)
    data = admin_form_data(
        client,
        change_url(draft),
        _publish="Publish",
        published_at_0="2024-01-01",
        published_at_1="10:00:00",
    )

    response = client.post(change_url(draft), data)

    assert response.status_code == 200
    assert "You may not publish" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not Article.objects.published().exists()


def test_contributor_cannot_use_the_publish_action(client, contributor):
    client.force_login(contributor)
    draft = make_draft(created_by=contributor)

    client.post(CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]})

    draft.refresh_from_db()
    assert draft.status == "draft"


def test_contributor_sees_and_edits_only_own_drafts(client, contributor, editor):
    client.force_login(contributor)
    mine = make_draft(title="Mine", created_by=contributor)
    theirs = make_draft(title="Theirs", created_by=editor)
    published_mine = make_article(title="Published mine", created_by=contributor)

    listing = client.get(CHANGELIST)

    titles = {a.title for a in listing.context["cl"].result_list}
    assert "Mine" in titles and "Theirs" not in titles
    assert client.get(change_url(theirs)).status_code in (302, 403, 404)
    data = admin_form_data(client, change_url(mine), title="Mine, revised")
    assert client.post(change_url(mine), data).status_code == 302
    # A published article is out of a contributor's hands.
    response = client.post(change_url(published_mine), {"title": "Hijacked"})
    published_mine.refresh_from_db()
    assert response.status_code in (302, 403)
    assert published_mine.title == "Published mine"


def test_editor_edits_any_article_but_cannot_publish(client, editor, contributor):
    client.force_login(editor)
    draft = make_draft(title="Someone's draft", created_by=contributor)
    live = make_article(title="Live piece")

    data = admin_form_data(client, change_url(draft), title="Edited by editor")
    assert client.post(change_url(draft), data).status_code == 302
    data = admin_form_data(client, change_url(live), title="Corrected title")
    assert client.post(change_url(live), data).status_code == 302
    data = admin_form_data(client, change_url(live), _unpublish="Unpublish")
    refused = client.post(change_url(live), data)

    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.title == "Edited by editor"
    # The correction waits in the live article's working copy for a Publisher.
    assert live.title == "Live piece"
    assert Article.objects.get(working_copy_of=live).title == "Corrected title"
    assert refused.status_code == 200
    assert live.status == "published"


def test_publisher_publishes_schedules_and_unpublishes(client, publisher):
    client.force_login(publisher)
    draft = make_draft()

    data = admin_form_data(
        client,
        change_url(draft),
        _publish="Publish",
        published_at_0="2099-01-01",
        published_at_1="09:00:00",
    )
    assert client.post(change_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert draft.is_scheduled

    client.post(CHANGELIST, {"action": "unpublish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert draft.history.first().history_user == publisher
