"""The one write path: every writer goes through the services, which ask the one policy,
refuse stale or version-less saves, and leave one revision and the change-log rows."""

import ast
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import revisions, services
from articles.models import Article, Author, ContentChange
from articles.write_path import WritePathError
from tests.admin_forms import admin_form_data
from tests.factories import delete, make_article, make_author, make_draft, make_user

ROOT = Path(__file__).resolve().parents[2]
CHANGELIST = reverse("admin:articles_article_changelist")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def delete_url(article):
    return reverse("admin:articles_article_delete", args=[article.pk])


def events_of(article):
    return list(
        ContentChange.objects.filter(subject="article", object_id=article.pk).values_list(
            "kind", flat=True
        )
    )


# --- Nothing writes content behind the services' back ---------------------------------------


@pytest.mark.django_db
def test_content_cannot_be_saved_or_deleted_outside_the_services():
    article = make_article()
    article.title = "Behind the back"
    with pytest.raises(WritePathError):
        article.save()
    with pytest.raises(WritePathError):
        article.delete()
    with pytest.raises(WritePathError):
        Author(name="Nobody").save()
    assert Article.objects.get(pk=article.pk).title != "Behind the back"


@pytest.mark.django_db
def test_an_admin_save_of_fields_and_inlines_writes_one_revision_and_one_event(admin_client):
    article = make_article(authors=[make_author(name="Ana")])
    revisions_before = Article.history.filter(id=article.pk).count()
    data = admin_form_data(
        admin_client,
        change_url(article),
        title="A new title",
        _publish="Save and publish now",
        **{"article_authors-0-order": "5", "change_note": "Retitled"},
    )
    assert admin_client.post(change_url(article), data).status_code == 302
    assert Article.history.filter(id=article.pk).count() == revisions_before + 1
    assert Article.history.filter(id=article.pk).first().history_change_reason == "Retitled"
    assert events_of(article) == ["published", "updated"]


# --- The permission policy through the admin and crafted POSTs ------------------------------


@pytest.mark.django_db
def test_an_editor_cannot_delete_a_live_article_but_can_delete_a_draft(client, editor):
    client.force_login(editor)
    live, draft = make_article(), make_draft()
    assert client.get(delete_url(live)).status_code == 403
    assert client.post(delete_url(live), {"post": "yes"}).status_code == 403
    client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [live.pk], "post": "yes"}
    )
    assert Article.objects.filter(pk=live.pk).exists()
    assert client.post(delete_url(draft), {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=draft.pk).exists()
    with pytest.raises(PermissionDenied):
        services.delete_article(article=live, user=editor)


@pytest.mark.django_db
def test_an_editor_cannot_bring_a_deleted_live_article_back(client, editor, publisher):
    live = make_article(title="Was live")
    delete(live, user=publisher)
    client.force_login(editor)
    url = reverse("admin:articles_article_undelete", args=[live.pk])
    client.post(url)
    assert not Article.objects.filter(pk=live.pk).exists()
    with pytest.raises(PermissionDenied):
        services.undelete_article(article_id=live.pk, user=editor)
    services.undelete_article(article_id=live.pk, user=publisher)
    assert Article.objects.published().filter(pk=live.pk).exists()


@pytest.mark.django_db
def test_a_contributor_previews_only_what_they_may_edit(client, contributor, editor):
    mine = make_draft(created_by=contributor)
    theirs = make_draft(created_by=editor)
    in_review = make_article(created_by=editor, status=Article.Status.IN_REVIEW, published_at=None)
    embargoed = make_article(created_by=editor, published_at=timezone.now() + timedelta(days=9))
    client.force_login(contributor)
    preview = "articles:article-preview"
    assert client.get(reverse(preview, args=[mine.pk])).status_code == 200
    for other in (theirs, in_review, embargoed):
        assert client.get(reverse(preview, args=[other.pk])).status_code == 403
    client.force_login(editor)
    for any_article in (mine, theirs, in_review, embargoed):
        assert client.get(reverse(preview, args=[any_article.pk])).status_code == 200


@pytest.mark.django_db
def test_a_save_without_the_edited_version_is_refused_not_an_overwrite(client, editor):
    article = make_article(title="Kept")
    client.force_login(editor)
    data = admin_form_data(client, change_url(article), title="Overwritten")
    del data["edited_version"]
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert "does not say which version" in response.content.decode()
    assert Article.objects.get(pk=article.pk).title == "Kept"
    with pytest.raises(services.StaleEdit):
        article.title = "Overwritten"
        services.save_article(article=article, user=editor, edited_version=None)


@pytest.mark.django_db
def test_a_contributor_cannot_restore_pin_or_publish_through_services_or_urls(
    client, contributor, publisher
):
    other = make_article(title="Someone else's")
    mine = make_draft(created_by=contributor)
    revision = Article.history.filter(id=other.pk).first()
    client.force_login(contributor)
    restore = reverse("admin:articles_article_restore", args=[other.pk, revision.history_id])
    assert client.post(restore).status_code in (403, 404)
    pin = reverse("admin:articles_article_related_pin", args=[other.pk, mine.pk])
    assert client.post(pin).status_code in (403, 404)
    for service in (services.publish_article, services.archive_article):
        with pytest.raises(PermissionDenied):
            service(article=mine, user=contributor)
    with pytest.raises(PermissionDenied):
        services.restore_revision(revision=revision, user=contributor)
    assert Article.objects.get(pk=mine.pk).status == Article.Status.DRAFT


@pytest.mark.django_db
def test_publishing_and_back_dating_follow_one_rule_for_the_form_and_the_service(client, publisher):
    """A publisher may set any publication time in the form or the service; without one, a
    draft is published now (a stale date from an earlier publication is not reused)."""
    draft = make_draft()
    services.publish_article(article=draft, user=publisher, at=datetime(2024, 1, 2, 10, tzinfo=UTC))
    assert Article.objects.get(pk=draft.pk).published_at.year == 2024
    services.unpublish_article(article=draft, user=publisher)
    services.publish_article(article=draft, user=publisher)
    assert Article.objects.get(pk=draft.pk).published_at.year > 2024
    client.force_login(publisher)
    other = make_draft()
    data = admin_form_data(
        client,
        change_url(other),
        _publish="Publish",
        published_at_0="2024-01-02",
        published_at_1="10:00:00",
    )
    assert client.post(change_url(other), data).status_code == 302
    assert Article.objects.get(pk=other.pk).published_at.year == 2024


# --- Concurrency: admin saves and adds at the same moment (PostgreSQL) ----------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"
)


def at_once(*posts):
    """Run the (client, url, data) posts in threads released together; their responses."""
    barrier = threading.Barrier(len(posts))
    results = [None] * len(posts)

    def run(index, client, url, data):
        try:
            barrier.wait(5)
            results[index] = client.post(url, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_publishers_publishing_different_articles_at_once_both_succeed():
    first, second = make_draft(), make_draft()
    one = logged_in(make_user("one", role="Publisher"))
    two = logged_in(make_user("two", role="Publisher"))
    posts = [
        (client, change_url(a), admin_form_data(client, change_url(a), _publish="Publish"))
        for client, a in ((one, first), (two, second))
    ]
    responses = at_once(*posts)
    assert [r.status_code for r in responses] == [302, 302]
    assert Article.objects.published().count() == 2
    assert events_of(first) == ["published"] and events_of(second) == ["published"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_publishers_saving_one_article_at_once_one_wins_the_other_sees_the_conflict():
    article = make_draft(title="Contested")
    one = logged_in(make_user("one", role="Publisher"))
    two = logged_in(make_user("two", role="Publisher"))
    url = change_url(article)
    posts = [
        (one, url, admin_form_data(one, url, _publish="Publish", title="One's title")),
        (two, url, admin_form_data(two, url, _publish="Publish", title="Two's title")),
    ]
    responses = at_once(*posts)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 302]
    refused = next(r for r in responses if r.status_code == 200)
    assert "saved this article at" in refused.content.decode()
    stored = Article.objects.get(pk=article.pk)
    assert stored.title in ("One's title", "Two's title") and stored.is_live
    assert events_of(article) == ["published"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_editors_adding_the_same_author_at_once_both_get_one():
    first, second = (
        logged_in(make_user("one", role="Editor")),
        logged_in(make_user("two", role="Editor")),
    )
    url = reverse("admin:articles_author_add")
    data = {"name": "Lena Hartmann", "role": "Fellow", "bio": "", "links": ""}
    responses = at_once((first, url, data), (second, url, data))
    assert [r.status_code for r in responses] == [302, 302]
    slugs = sorted(Author.objects.filter(name="Lena Hartmann").values_list("slug", flat=True))
    assert slugs == ["lena-hartmann", "lena-hartmann-2"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_undeletes_of_one_article_at_once_bring_it_back_once(publisher):
    article = make_article()
    delete(article, user=publisher)
    errors, barrier = [], threading.Barrier(2)

    def undelete():
        try:
            barrier.wait(5)
            services.undelete_article(article_id=article.pk, user=publisher)
        except Article.DoesNotExist:
            pass  # the other one brought it back
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=undelete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Article.objects.filter(pk=article.pk).exists()
    assert not revisions.deleted_articles().filter(id=article.pk).exists()


# --- Arrows between apps go one way ---------------------------------------------------------


def imports_of(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node


def test_the_articles_app_never_imports_the_related_app_or_the_project_wiring():
    offenders = []
    for path in (ROOT / "articles").rglob("*.py"):
        for module, _node in imports_of(path):
            if module.split(".")[0] == "related" or module in {"cpc_site.apps", "bench"}:
                offenders.append(f"{path.relative_to(ROOT)}: {module}")
    assert not offenders, offenders


def test_no_module_imports_inside_a_function_except_app_ready_and_migrations():
    offenders = []
    for app in ("articles", "related", "partners", "cpc_site"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "apps.py":
                continue
            tree = ast.parse(path.read_text())
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_the_project_urls_do_not_import_the_benchmark():
    modules = {module for module, _ in imports_of(ROOT / "cpc_site" / "urls.py")}
    assert not any(module.startswith("bench") for module in modules)
