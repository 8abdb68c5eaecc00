from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from articles import revisions, services
from articles.models import Article, Author, Image, PublicCorrection, Source
from articles.revisions import system_user
from articles.write_path import WritePathError
from tests.admin_forms import admin_form_data
from tests.factories import (
    delete,
    edit,
    link,
    make_article,
    make_author,
    make_draft,
    make_image,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def history(article):
    return list(Article.history.filter(id=article.pk).order_by("history_id"))


# --- Capturing -------------------------------------------------------------------------


def test_a_save_that_changes_nothing_writes_no_revision():
    article = make_article()
    before, version = len(history(article)), article.version

    edit(article)
    edit(article, title=article.title, body=article.body)

    assert len(history(article)) == before
    assert Article.objects.get(pk=article.pk).version == version


def test_a_revision_carries_the_inline_rows_of_its_moment():
    first, second = make_author(name="Ana First"), make_author(name="Bo Second")
    article = make_article(authors=[first, second], topics=[make_topic(name="Energy")], sources=1)

    latest = history(article)[-1]

    state = latest.inline_state
    assert [row["label"] for row in state["authors"]] == ["Ana First", "Bo Second"]
    assert [row["label"] for row in state["topics"]] == ["Energy"]
    assert [row["title"] for row in state["sources"]] == ["Source 0"]


def test_rows_written_with_a_new_article_join_its_creation_revision():
    article = make_article(authors=[make_author()], topics=[make_topic()], sources=2)

    rows = history(article)

    assert len(rows) == 1
    assert len(rows[0].inline_state["sources"]) == 2


def test_editing_only_a_source_in_code_writes_an_article_revision():
    article = make_article(sources=1)
    before = len(history(article))
    source = Source.objects.get(article=article)

    source.title = "A corrected source title"
    with pytest.raises(WritePathError):
        source.save()  # only through the write path, which revises the article
    with services.changing_articles(articles=[article], user=system_user(), reason="Source"):
        source.save()

    rows = history(article)
    assert len(rows) == before + 1
    assert rows[-1].inline_state["sources"][0]["title"] == "A corrected source title"
    assert rows[-1].history_change_reason == "Source"


# --- Public API helper -----------------------------------------------------------------


def test_published_revisions_lists_public_revisions_newest_first_without_drafts():
    article = make_draft(title="Draft title", body="<p>Secret draft text.</p>")
    edit(article, title="Draft title, second pass")
    edit(
        article,
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(minutes=5),
        title="Published title",
        reason="First publication (asked by ed@example.org)",
    )
    edit(article, title="Published title, corrected", reason="Fixed a figure")

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
    services.publish_article(
        article=article, user=system_user(), at=timezone.now() + timedelta(days=1)
    )
    assert article.is_scheduled

    assert revisions.published_revisions(article) == []


# --- Admin: saving ---------------------------------------------------------------------


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def revisions_url(article):
    return reverse("admin:articles_article_history", args=[article.pk])


def post_change(client, article, **overrides):
    """Save the admin form; a public article's changes are published at once (the client is a
    Publisher's), a draft's saved."""
    if Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED:
        overrides.setdefault("_publish", "Save and publish now")
    data = admin_form_data(client, change_url(article), **overrides)
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_one_admin_save_of_fields_and_inlines_writes_one_revision_with_note_and_user(
    client, editor
):
    client.force_login(editor)
    ana, bo = make_author(name="Ana"), make_author(name="Bo")
    article = make_draft(authors=[ana], sources=1)
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


# --- Admin: revision list and compare --------------------------------------------------


def test_revision_list_shows_revisions_newest_first_with_user_status_and_note(
    client, editor, publisher
):
    article = make_draft(title="First title")
    client.force_login(editor)
    post_change(client, article, title="Second title", change_note="Sharper title")
    client.force_login(publisher)
    post_change(client, article, _publish="Publish", change_note="Went live")

    response = client.get(revisions_url(article))

    assert response.status_code == 200
    page = list(response.context["page"].object_list)
    assert [r.history_change_reason for r in page[:2]] == ["Went live", "Sharper title"]
    assert [r.history_user for r in page[:2]] == [publisher, editor]
    content = response.content.decode()
    assert content.index("Went live") < content.index("Sharper title")
    assert "Published" in content and "Draft" in content


def test_revision_list_of_500_revisions_renders_in_a_constant_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    article = make_article(title="Version 0")
    admin_client.get(revisions_url(article))  # warm up permission and session caches
    with django_assert_max_num_queries(12) as few:
        response = admin_client.get(revisions_url(article))
    assert response.status_code == 200
    bound = len(few.captured_queries)  # read now: the query log is a bounded ring
    for number in range(1, 500):
        edit(article, title=f"Version {number}", reason=f"Edit {number}")

    with django_assert_max_num_queries(bound):
        response = admin_client.get(revisions_url(article))
    with django_assert_max_num_queries(bound):
        last_page = admin_client.get(revisions_url(article), {"p": 10})

    assert response.context["page"].paginator.count == 500
    assert response.context["page"].object_list[0].title == "Version 499"
    assert list(last_page.context["page"].object_list)[-1].title == "Version 0"


def test_compare_shows_field_changes_a_word_diff_and_inline_changes(admin_client):
    ana, bo, cy = make_author(name="Ana"), make_author(name="Bo"), make_author(name="Cy")
    energy, security = make_topic(name="Energy"), make_topic(name="Security")
    article = make_article(
        title="Old title",
        body="<p>Gas exports rose by ten percent last year.</p>",
        authors=[ana, bo, cy],
        topics=[energy],
        sources=2,
    )
    older = history(article)[-1]
    data = admin_form_data(
        admin_client,
        change_url(article),
        title="New title",
        body="<p>Gas exports rose by twelve percent last year.</p>",
    )
    # Bo before Ana, Cy removed, Security added, first source changed, second removed.
    data["_publish"] = "Save and publish now"
    data.update({"article_authors-0-order": "2", "article_authors-1-order": "1"})
    data["article_authors-2-DELETE"] = "on"
    data["article_topics-TOTAL_FORMS"] = "2"
    data["article_topics-1-topic"] = security.pk
    data["sources-0-title"] = "Renamed source"
    data["sources-1-DELETE"] = "on"
    assert admin_client.post(change_url(article), data).status_code == 302
    newer = history(article)[-1]

    response = admin_client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"a": older.history_id, "b": newer.history_id},
    )

    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert [(c.name, c.old, c.new) for c in comparison.fields] == [
        ("title", "Old title", "New title")
    ]
    assert "<del>ten</del><ins>twelve</ins>" in comparison.body_diff
    inlines = {
        label: {(c.change, c.text) for c in changes}
        for label, changes in comparison.inlines.items()
    }
    assert ("removed", "Cy") in inlines["Authors"]
    assert ("reordered", "Ana, Bo → Bo, Ana") in inlines["Authors"]
    assert inlines["Topics"] == {("added", "Security")}
    assert ("changed", "Renamed source: title: “Source 0” → “Renamed source”") in inlines["Sources"]
    assert any(c == "removed" and t.startswith("Source 1") for c, t in inlines["Sources"])
    content = response.content.decode()
    assert "<del>ten</del><ins>twelve</ins>" in content
    assert "Reordered" in content and "Added" in content and "Removed" in content


def test_compare_of_unknown_revisions_is_a_404(admin_client):
    article = make_article()
    url = reverse("admin:articles_article_compare", args=[article.pk])
    assert admin_client.get(url, {"a": 999999, "b": 999998}).status_code == 404
    assert admin_client.get(url).status_code == 404


# --- Admin: restore --------------------------------------------------------------------


def article_snapshot(article):
    article = Article.objects.get(pk=article.pk)
    fields = {name: getattr(article, name) for name in revisions.CONTENT_FIELDS}
    return fields, revisions.comparable_state(revisions.inline_state(article))


def test_restore_round_trip_brings_back_every_field_and_inline_row(admin_client):
    ana, bo = make_author(name="Ana"), make_author(name="Bo")
    target, other = make_article(title="Target"), make_article(title="Other")
    article = make_article(
        title="Original",
        dek="Original dek",
        summary="Original summary",
        body="<p>Original body.</p>",
        authors=[ana, bo],
        topics=[make_topic()],
        sources=2,
        hero_image=make_image(),
        licence="CC BY 4.0",
        canonical_url="https://elsewhere.example/original",
    )
    link(article, target)
    original = article_snapshot(article)
    revision = history(article)[-1]
    data = admin_form_data(
        admin_client,
        change_url(article),
        title="Rewritten",
        dek="",
        summary="Changed",
        body="<p>A different body.</p>",
        article_type="report",
        hero_image="",
        licence="",
        canonical_url="",
        change_note="Rewrite",
        _publish="Save and publish now",
    )
    data.update({"article_authors-0-DELETE": "on", "article_topics-0-DELETE": "on"})
    data.update({"sources-0-title": "Changed source", "sources-1-DELETE": "on"})
    data.update({"related_links-0-to_article": other.pk})
    assert admin_client.post(change_url(article), data).status_code == 302
    assert article_snapshot(article) != original
    count = len(history(article))

    confirm = admin_client.get(
        reverse("admin:articles_article_restore", args=[article.pk, revision.history_id])
    )
    response = admin_client.post(
        reverse("admin:articles_article_restore", args=[article.pk, revision.history_id])
    )

    assert confirm.status_code == 200 and "Restore this revision" in confirm.content.decode()
    assert response.status_code == 302
    assert article_snapshot(article) == original
    rows = history(article)
    assert len(rows) == count + 1  # nothing newer destroyed
    assert rows[-2].history_change_reason == "Rewrite"
    assert rows[-1].history_change_reason.startswith("Restored revision of ")
    assert rows[-1].history_change_reason.endswith(" by system")  # the factories' user
    assert rows[-1].history_user.username == "admin"
    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED


def test_restore_reason_names_the_date_and_editor_of_the_restored_revision(client, editor):
    client.force_login(editor)
    article = make_draft(title="Before")
    post_change(client, article, title="Edited by the editor")
    edited = history(article)[-1]
    post_change(client, article, title="Edited again")

    client.post(reverse("admin:articles_article_restore", args=[article.pk, edited.history_id]))

    latest = history(article)[-1]
    assert Article.objects.get(pk=article.pk).title == "Edited by the editor"
    assert latest.history_change_reason.endswith("by editor")
    assert latest.history_change_reason.startswith("Restored revision of ")


def test_restoring_a_draft_revision_keeps_a_published_article_published_by_default(
    publisher, client
):
    client.force_login(publisher)
    article = make_draft(title="Draft words")
    draft_revision = history(article)[-1]
    post_change(client, article, _publish="Publish", title="Published words")
    url = reverse("admin:articles_article_restore", args=[article.pk, draft_revision.history_id])

    client.post(url)
    kept = Article.objects.get(pk=article.pk)
    client.post(url, {"restore_status": "1"})
    unpublished = Article.objects.get(pk=article.pk)

    assert (kept.title, kept.status) == ("Draft words", Article.Status.PUBLISHED)
    assert unpublished.status == Article.Status.DRAFT


def test_only_users_who_may_edit_the_article_can_restore(client, contributor):
    article = make_article(title="Someone else's")
    revision = history(article)[-1]
    edit(article, title="Changed")
    client.force_login(contributor)

    response = client.post(
        reverse("admin:articles_article_restore", args=[article.pk, revision.history_id])
    )

    assert response.status_code in {302, 403, 404}
    assert Article.objects.get(pk=article.pk).title == "Changed"
    with pytest.raises(PermissionDenied):
        services.restore_revision(revision=revision, user=contributor)


# --- Deletion --------------------------------------------------------------------------


def test_a_deleted_article_is_listed_and_restored_with_its_inline_rows(admin_client):
    article = make_article(
        title="Deleted by mistake",
        authors=[make_author(name="Ana")],
        topics=[make_topic()],
        sources=2,
    )
    link(article, make_article(title="Linked"))
    before = article_snapshot(article)
    pk = article.pk
    response = admin_client.post(
        reverse("admin:articles_article_delete", args=[pk]), {"post": "yes"}
    )
    assert response.status_code == 302 and not Article.objects.filter(pk=pk).exists()

    listing = admin_client.get(reverse("admin:articles_article_deleted"))
    restored = admin_client.post(reverse("admin:articles_article_undelete", args=[pk]))

    assert "Deleted by mistake" in listing.content.decode()
    assert restored.status_code == 302
    assert article_snapshot(Article(pk=pk)) == before
    rows = Article.history.filter(id=pk).order_by("history_id")
    assert [r.history_type for r in rows][-2:] == ["-", "+"]
    assert rows.last().history_change_reason.startswith("Restored after deletion on ")
    after = admin_client.get(reverse("admin:articles_article_deleted"))
    assert list(after.context["page"].object_list) == []


def test_deleted_authors_images_and_sources_keep_their_history():
    author, image = make_author(name="Gone Author"), make_image(alt_text="Gone image")
    article = make_article(sources=1)
    source = Source.objects.get(article=article)
    ids = author.pk, image.pk, source.pk

    services.delete_object(obj=author, user=system_user())
    services.delete_object(obj=image, user=system_user())
    with services.changing_articles(articles=[article], user=system_user()):
        source.delete()

    assert Author.history.filter(id=ids[0], history_type="-").exists()
    assert Image.history.filter(id=ids[1], history_type="-").exists()
    assert Source.history.filter(id=ids[2], history_type="-").exists()
    assert history(article)[-1].inline_state["sources"] == []


def test_restoring_a_revision_brings_back_a_deleted_author(admin_client):
    author = make_author(name="Returning Author")
    article = make_article(authors=[author])
    post_change(admin_client, article, title="Edited once")
    revision = history(article)[-1]
    current = Article.objects.get(pk=article.pk)
    services.save_article(
        article=current, user=system_user(), edited_version=current.version, inlines={"authors": []}
    )
    services.delete_object(obj=author, user=system_user())
    assert not Author.objects.filter(pk=author.pk).exists()

    admin_client.post(
        reverse("admin:articles_article_restore", args=[article.pk, revision.history_id])
    )

    assert [a.name for a in Article.objects.get(pk=article.pk).ordered_authors] == [
        "Returning Author"
    ]


# --- Public corrections ----------------------------------------------------------------


def test_a_public_change_note_on_a_published_article_becomes_a_correction(admin_client, client):
    article = make_article(body="<p>Output was 5 bcm.</p>")

    post_change(
        admin_client,
        article,
        body="<p>Output was 6 bcm.</p>",
        change_note="Corrected the output figure.",
        public_correction="on",
    )

    correction = PublicCorrection.objects.get(article=article)
    latest = history(article)[-1]
    assert correction.note == "Corrected the output figure."
    assert correction.history_id == latest.history_id
    assert latest.history_change_reason == "Corrected the output figure."
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Corrected the output figure." in page


def test_a_private_change_note_or_a_draft_makes_no_public_correction(admin_client):
    published, draft = make_article(), make_draft()

    post_change(admin_client, published, title="Quietly fixed", change_note="Typo")
    data = admin_form_data(
        admin_client, change_url(draft), change_note="Not public yet", public_correction="on"
    )
    response = admin_client.post(change_url(draft), data)

    assert response.status_code == 200
    assert "public_correction" in response.context["adminform"].form.errors
    assert not PublicCorrection.objects.exists()


# --- Bulk writes and commands ----------------------------------------------------------


def test_bulk_helpers_write_history_that_the_revision_list_and_restore_understand(admin_client):
    """Rows written by simple-history's bulk helpers (older imports) have no inline snapshot."""
    article = make_article(title="Bulk target", authors=[make_author(name="Ana")])
    with services.writing(user=system_user()):
        created = bulk_create_with_history(
            [Article(title="Imported", slug="imported", status=Article.Status.DRAFT)],
            Article,
            default_change_reason="Imported",
        )
    before = history(article)[-1]
    article.status = Article.Status.ARCHIVED
    with services.writing(user=system_user()):
        bulk_update_with_history(
            [article], Article, ["status"], default_change_reason="Bulk archived"
        )

    imported = Article.objects.get(slug="imported")
    assert len(created) == 1 and history(imported)[-1].history_change_reason == "Imported"
    latest = history(article)[-1]
    assert latest.history_change_reason == "Bulk archived"
    assert latest.inline_state is None  # inherits the inline rows of the revision before
    comparison = revisions.compare_revisions(before, latest)
    assert comparison.inlines == {}
    assert [c.name for c in comparison.fields] == ["status"]
    page = admin_client.get(revisions_url(article)).content.decode()
    assert "Bulk archived" in page
    result = services.restore_revision(
        revision=latest, user=make_user(superuser=True), restore_status=True
    )
    assert [a.name for a in result.article.ordered_authors] == ["Ana"]


def test_equal_history_dates_never_confuse_which_revision_is_latest():
    moment = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=moment):
        article = make_draft(title="Tied")
        for title in ["Tied, second", "Tied, third"]:
            edit(article, title=title)
        with services.changing_articles(articles=[article], user=system_user()):
            Source(article=article, title="Tied source").save()

        edit(article)  # same as the latest revision: no new row, whatever the dates say

    rows = history(article)
    assert {r.history_date for r in rows} == {moment}
    assert [r.title for r in rows] == ["Tied", "Tied, second", "Tied, third", "Tied, third"]
    assert rows[-1].inline_state["sources"][0]["title"] == "Tied source"
    listed = list(revisions.revision_list(article))
    assert listed[0].history_id == rows[-1].history_id


def test_service_calls_inside_one_unit_of_work_make_one_revision():
    article = make_draft(title="Collected")
    before = len(history(article))

    with services.writing(user=system_user(), reason="Import") as unit:
        edit(article, title="Collected and changed")
        with services.changing_articles(articles=[article], user=system_user()):
            Source(article=article, title="One").save()
            Source(article=article, title="Two").save()
        assert len(history(article)) == before  # written when the unit finishes

    rows = history(article)
    assert set(unit.touched) == {article.pk}
    assert len(rows) == before + 1
    assert rows[-1].title == "Collected and changed"
    assert rows[-1].history_change_reason == "Import"
    assert [s["title"] for s in rows[-1].inline_state["sources"]] == ["One", "Two"]


def test_commands_act_as_the_named_user_or_else_the_system_user(editor):
    unattended = services.create_article(
        user=revisions.command_user(),
        article=Article(title="Written by a command", status=Article.Status.DRAFT),
    )
    edit(unattended, user=revisions.command_user("editor"), title="Changed with --user editor")

    rows = history(unattended)
    assert rows[0].history_user.username == revisions.SYSTEM_USERNAME
    assert rows[0].history_user.is_superuser  # the machine's own operator, who cannot log in
    assert not rows[0].history_user.has_usable_password()
    assert not rows[0].history_user.is_staff
    assert rows[-1].history_user == editor


def test_published_revisions_reads_one_query_and_bulk_rows_keep_their_inline_rows(
    django_assert_max_num_queries,
):
    article = make_article(authors=[make_author(name="Ana")])
    for number in range(5):
        article.summary = f"Summary {number}"
        with services.writing(user=system_user()):
            bulk_update_with_history([article], Article, ["summary"])

    with django_assert_max_num_queries(1):
        published = revisions.published_revisions(article)

    assert [r.fields["summary"] for r in published][:2] == ["Summary 4", "Summary 3"]
    assert len(published) == 6
    assert all(r.fields["authors"] == ["Ana"] for r in published)


def test_contributors_see_only_their_own_deleted_articles(client, contributor):
    mine = make_draft(title="My deleted draft", created_by=contributor)
    theirs = make_draft(title="Their deleted draft")
    delete(mine)
    delete(theirs)
    client.force_login(contributor)

    response = client.get(reverse("admin:articles_article_deleted"))

    assert [row.title for row in response.context["page"].object_list] == ["My deleted draft"]


def test_the_change_note_is_on_the_form_after_the_inlines(admin_client):
    article = make_article()

    content = admin_client.get(change_url(article)).content.decode()

    assert content.count('name="change_note"') == 1
    assert content.count('name="edited_version"') == 1
    assert content.index('name="change_note"') > content.index("sources-TOTAL_FORMS")


def test_compare_and_deleted_list_run_a_constant_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    def revised(article_count, rows):
        article = make_article(authors=[make_author() for _ in range(rows)], sources=rows)
        first = history(article)[-1]
        post_change(admin_client, article, title=f"Changed {rows}")
        for _ in range(article_count):
            delete(make_article())
        return article, first, history(article)[-1]

    def visit(article, first, last):
        url = reverse("admin:articles_article_compare", args=[article.pk])
        admin_client.get(url, {"a": first.history_id, "b": last.history_id})
        admin_client.get(reverse("admin:articles_article_deleted"))

    small = revised(1, 1)
    visit(*small)
    with django_assert_max_num_queries(30) as few:
        visit(*small)
    bound = len(few.captured_queries)  # read now: the query log is a bounded ring
    large = revised(20, 15)
    with django_assert_max_num_queries(bound):
        visit(*large)


@pytest.mark.django_db(transaction=True)  # suggestions are stored by a job after the commit
def test_an_undeleted_article_gets_its_suggestions_back(admin_client, client, run_tasks):
    topic = make_topic(name="Pipelines")
    article = make_article(title="Caspian pipeline politics", topics=[topic])
    make_article(title="Pipeline politics in the Caspian region", topics=[topic])
    pk = article.pk
    admin_client.post(reverse("admin:articles_article_delete", args=[pk]), {"post": "yes"})
    run_tasks()

    admin_client.post(reverse("admin:articles_article_undelete", args=[pk]))
    url = Article.objects.get(pk=pk).get_absolute_url()
    assert "Pipeline politics in the Caspian region" not in client.get(url).content.decode()
    run_tasks()

    page = client.get(url).content.decode()
    assert "Pipeline politics in the Caspian region" in page
