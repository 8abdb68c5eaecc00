"""WordPress exports as they really are (theme unit test data shapes, WXR 1.0 to 1.2)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from articles.models import Article, Author, Image, Topic
from tests.articles.importing import import_status, run_import, table_counts
from tests.factories import image_bytes

REAL = Path(__file__).resolve().parent.parent / "data" / "import" / "real"
THEME_UNIT = REAL / "theme-unit.xml"

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploads(tmp_path):
    """The uploads folder: one image under its upload path, one only by its file name."""
    folder = tmp_path / "uploads"
    (folder / "2013" / "01").mkdir(parents=True)
    (folder / "2013" / "01" / "dsc20050315_145007_132.jpg").write_bytes(image_bytes())
    (folder / "elsewhere").mkdir()
    (folder / "elsewhere" / "canola2.jpg").write_bytes(image_bytes(size=(640, 480)))
    return folder


@pytest.fixture
def imported(uploads):
    return import_status(THEME_UNIT, media_dir=str(uploads))


def article(slug):
    return Article.objects.get(slug=slug)


def test_the_https_namespace_of_current_exports_imports_every_post(imported):
    status, report, _ = imported
    assert status == 0, report
    assert "articles: 6 created, 0 updated, 0 unchanged, 0 skipped, 0 failed" in report
    assert "images: 2 created" in report


def test_foreign_and_rss_elements_are_ignored(imported):
    sticky = article("template-sticky")  # has <comments>, <foo:categories> and <foo:postmeta>
    assert [t.slug for t in sticky.topics.all()] == ["grandchild-category"]


def test_password_protected_posts_are_drafts_and_reported(imported, client):
    _, report, _ = imported
    protected = article("template-password-protected")
    assert protected.status == Article.Status.DRAFT
    assert "post 1168" in report
    assert "password-protected post imported as a draft (not public)" in report
    assert client.get(protected.get_absolute_url()).status_code == 404
    assert "password protected" not in client.get("/api/v1/articles/").content.decode()


def test_a_post_without_post_date_takes_its_pubdate(imported):
    assert article("post-format-gallery").published_at == datetime(
        2010, 9, 10, 17, 24, 14, tzinfo=UTC
    )


def test_posts_sharing_a_guid_stay_two_articles_and_a_rerun_changes_nothing(imported, uploads):
    assert article("shared-guid-one").body != article("shared-guid-two").body
    status, again, _ = import_status(THEME_UNIT, media_dir=str(uploads))
    assert status == 0
    assert "articles: 0 created, 0 updated, 6 unchanged" in again


def test_a_post_without_title_gets_a_visible_placeholder_and_is_reported(imported):
    _, report, _ = imported
    untitled = Article.objects.get(import_key__contains="-1453")
    assert untitled.title == "(untitled post 1453)"
    assert "the post has no title: imported as “(untitled post 1453)”" in report


def test_gallery_is_a_figure_of_the_attached_images_and_the_sentence_stays(imported):
    body = article("post-format-gallery").body
    assert "The gallery below" in body
    assert "shows every image attached to this post." in body
    figure = body.split("<figure>")[1].split("</figure>")[0]
    boardwalk, canola = Image.objects.order_by("pk")
    assert f'src="{boardwalk.file.url}"' in figure
    assert f'src="{canola.file.url}"' in figure


def test_embeds_become_links_and_other_shortcodes_are_reported(imported):
    _, report, _ = imported
    body = article("post-format-gallery").body
    assert '<a href="https://www.youtube.com/watch?v=nwe-H6l4beM"' in body
    assert '<a href="https://twitter.com/nacin/status/319508408669708289"' in body
    assert "[embed" not in body and "contact-form" not in body
    assert "dropped shortcodes: [contact-form-7]" in report


def test_attachment_captions_in_the_description_and_files_found_by_name(imported):
    boardwalk = Image.objects.get(alt_text="A boardwalk")
    assert boardwalk.caption == "Boardwalk at dawn (caption kept in the description)"
    canola = Image.objects.get(caption="Canola field")  # no upload path: found by file name
    assert (canola.width, canola.height) == (640, 480)
    assert article("post-format-gallery").hero_image == boardwalk


def test_sticky_posts_are_featured(imported):
    assert article("template-sticky").featured
    assert not article("template-password-protected").featured


def test_category_hierarchy_is_kept(imported):
    grandchild = Topic.objects.get(slug="grandchild-category")
    assert grandchild.parent.slug == "child-category-01"
    assert grandchild.parent.parent.slug == "parent-category"
    assert grandchild.parent.parent.parent is None


def test_yoast_and_rank_math_seo_fields_are_kept_without_their_variables(imported):
    sticky = article("template-sticky")
    assert sticky.seo_title == "Sticky posts"
    assert sticky.seo_description == "How a sticky post looks."
    gallery = article("post-format-gallery")
    assert gallery.seo_title == "Post Format: Gallery Galleries"
    assert gallery.seo_description == "Every attached image in one figure."


def test_a_stray_angle_bracket_in_a_creator_does_not_make_an_author(imported):
    assert list(Author.objects.values_list("name", flat=True)) == ["Theme Buster"]
    assert [a.name for a in article("post-format-gallery").authors.all()] == ["Theme Buster"]


def test_bodies_are_clean_paragraphs(imported):
    assert article("template-sticky").body == (
        "<p>This is a sticky post.</p>\n"
        "<p>There are a few things to verify: <strong>the post stands out</strong>.</p>\n"
        "<h2>Closing</h2>\n<p>Text outside any paragraph.</p>"
    )


def test_wxr_1_0_with_tag_domain_imports():
    status, report, _ = import_status(REAL / "wxr-1.0.xml")
    assert status == 0, report
    post = article("gas-lines")
    assert post.published_at == datetime(2009, 5, 11, 8, 0, tzinfo=UTC)
    assert [t.name for t in post.topics.all()] == ["Energy security"]


@pytest.mark.parametrize(
    ("version_tag", "message"),
    [
        ("", "no <wp:wxr_version>"),
        ("<wp:wxr_version>banana</wp:wxr_version>", "invalid WXR version “banana”"),
    ],
)
def test_a_file_without_a_valid_version_tag_is_refused_and_writes_nothing(
    tmp_path, version_tag, message
):
    bad = tmp_path / "bad.xml"
    bad.write_text(
        THEME_UNIT.read_text().replace("<wp:wxr_version>1.2</wp:wxr_version>", version_tag)
    )
    before = table_counts()
    with pytest.raises(CommandError, match=message) as refused:
        run_import(bad)
    assert refused.value.returncode == 1
    assert table_counts() == before


def test_the_exit_status_is_2_when_an_item_failed_and_the_others_are_written(tmp_path, uploads):
    mixed = tmp_path / "mixed.xml"
    text = THEME_UNIT.read_text()
    # The second shared-GUID post gets an impossible date: it alone fails.
    text = text.replace("2011-03-16 10:00:00", "2011-13-45 10:00:00")
    mixed.write_text(text)
    status, report, error = import_status(mixed, media_dir=str(uploads))
    assert status == 2
    assert "1 item(s) failed" in error
    assert "articles: 5 created, 0 updated, 0 unchanged, 0 skipped, 1 failed" in report
    assert not Article.objects.filter(slug="shared-guid-two").exists()
    assert article("shared-guid-one").body


def test_featured_shows_in_the_api_and_filters_the_admin_list(imported, client, admin_client):
    sticky = article("template-sticky")
    assert client.get(f"/api/v1/articles/{sticky.slug}/").json()["featured"] is True
    listed = client.get("/api/v1/articles/").json()["results"]
    assert {a["slug"]: a["featured"] for a in listed}["shared-guid-one"] is False
    page = admin_client.get("/admin/articles/article/", {"featured__exact": "1"})
    assert page.status_code == 200
    assert [a.pk for a in page.context["cl"].result_list] == [sticky.pk]


def test_the_topic_admin_lists_parents(imported, admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        page = admin_client.get("/admin/articles/topic/")
    assert page.status_code == 200
    rows = {t.name: t.parent for t in page.context["cl"].result_list}
    assert rows["Grandchild Category"].name == "Child Category 01"


def test_articles_imported_under_the_guid_alone_are_found_and_rekeyed(imported, uploads):
    """Imports before GUID+type+id keys used the GUID alone: a re-import finds those articles
    (once: the second post sharing the GUID is its own article) instead of duplicating them."""
    one = article("shared-guid-one")
    Article.objects.filter(pk=one.pk).update(import_key="wxr:https://feeds.example/item/42")
    Article.objects.filter(slug="shared-guid-two").delete()
    sticky = article("template-sticky")
    Article.objects.filter(pk=sticky.pk).update(import_key="wxr:https://units.example/?p=1241")
    status, report, _ = import_status(THEME_UNIT, media_dir=str(uploads))
    assert status == 0, report
    assert "articles: 1 created, 2 updated, 3 unchanged" in report
    assert article("template-sticky").pk == sticky.pk
    assert article("shared-guid-one").import_key == "wxr:https://feeds.example/item/42#post-1301"
    assert article("shared-guid-two").pk != one.pk
    again = run_import(THEME_UNIT, media_dir=str(uploads))
    assert "articles: 0 created, 0 updated, 6 unchanged" in again
