"""`export_articles` writes everything; importing the export rebuilds it field for field."""

import json
import shutil
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from articles import services
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleTopic,
    Author,
    Image,
    LegacyPath,
    PublicCorrection,
    Source,
    Topic,
)
from articles.revisions import system_user
from related.models import PendingRelatedLink, RelatedLink
from tests.factories import (
    delete,
    link,
    make_article,
    make_author,
    make_draft,
    make_image,
    make_renditions_now,
    make_topic,
)

pytestmark = pytest.mark.django_db

CONTENT_MODELS = [
    Image,
    Author,
    Topic,
    Article,
    ArticleAuthor,
    ArticleTopic,
    Source,
    PublicCorrection,
    LegacyPath,
    RelatedLink,
    PendingRelatedLink,
]
# Not content: database ids, timestamps the database sets, the edit-lock counter, the id of
# a revision row (history is not exported), renditions and content hashes (remade from the
# file by the renditions job) and
# the change log's time of the last change readers saw (on a new site: the import).
NOT_COMPARED = {
    "id", "created_at", "updated_at", "version", "renditions", "history_id", "modified_at",
    "renditions_status", "content_hash",
}  # fmt: skip


def natural_key(value):
    if value is None:
        return None
    if isinstance(value, Image):
        return ("image", value.file.name)
    if isinstance(value, get_user_model()):
        return ("user", value.get_username())
    return (type(value).__name__, value.slug)


def snapshot():
    """Every row of every content model, every field, with relations by natural key."""
    data = {}
    for model in CONTENT_MODELS:
        rows = []
        for obj in model.objects.all():
            row = {}
            for field in model._meta.concrete_fields:
                if field.name in NOT_COMPARED:
                    continue
                if field.is_relation:
                    row[field.name] = natural_key(getattr(obj, field.name))
                else:
                    value = getattr(obj, field.attname)
                    row[field.name] = value.name if isinstance(value, FieldFile) else value
            rows.append(row)
        data[model.__name__] = sorted(rows, key=repr)
    return data


def build_content(publisher):
    portrait = make_image(
        alt_text="Portrait of Lena Hartmann",
        caption="",
        credit="studio.example",
        credit_url="https://studio.example/credits",
        licence="CC BY 4.0",
    )
    hero = make_image(caption="The quay at dawn", credit="port.example (2024)")
    lena = make_author(
        name="Lena Hartmann",
        photo=portrait,
        links="https://lena.example\nhttps://social.example/lena",
        bio="Writes on energy.",
    )
    marina = make_author(name="Марина Соколова", role="Visiting Scholar")
    energy = make_topic(name="Energy", description="Oil, gas and power.")
    caucasus = make_topic(name="South Caucasus", kind=Topic.Kind.REGION)
    series = make_topic(name="Corridor Notes", kind=Topic.Kind.SERIES)
    main = make_article(
        title="Gas Transit After 2025",
        authors=[marina, lena],
        topics=[energy, caucasus],
        hero_image=hero,
        dek="What changes when the contracts end.",
        article_type=Article.Type.REPORT,
        licence="CC BY-ND 4.0",
        canonical_url="https://partner.example/gas-transit",
        created_by=publisher,
        import_key="wxr:https://old.example.org/?p=5",
        body="<h2>Background</h2><p>First.</p><figure><figcaption>A note</figcaption></figure>",
    )
    sources = [
        {
            "order": 0,
            "title": "Transit agreement",
            "url": "https://example.org/agreement",
            "publisher": "Ministry of Energy",
            "published_on": date(2019, 12, 30),
            "accessed_on": date(2024, 5, 1),
            "note": "Annex 2.",
        },
        {"order": 3, "title": "Interview notes"},
    ]
    services.save_article(
        article=main,
        user=publisher,
        edited_version=main.version,
        inlines={"sources": sources},
        correction="Corrected the date of the agreement.",
    )
    draft = make_draft(title="Unfinished Thoughts on Ports", authors=[lena], topics=[series])
    scheduled = make_article(
        title="Next Week's Outlook", published_at=timezone.now() + timedelta(days=3)
    )
    make_article(title="An Archived Note", status=Article.Status.ARCHIVED, authors=[marina])
    link(main, scheduled, order=0)
    link(main, draft, order=2)
    link(scheduled, main, order=0)
    with services.changing_articles(articles=[draft], user=publisher):
        PendingRelatedLink(
            from_article=draft,
            target_title="A Future Piece",
            target_key="text:a-future-piece",
            order=1,
        ).save()
    services.save_legacy_path(
        legacy_path=LegacyPath(path="/2019/12/gas-transit/", article=main), user=publisher
    )
    return main


def export(path):
    call_command("export_articles", output=str(path), stdout=StringIO())
    return json.loads(path.read_text())


def empty_the_database():
    """As on a new site: every content row deleted (through the services), no history left."""
    user = system_user()
    for article in Article.objects.all():
        delete(article)
    for model in (Author, Topic, Image):
        for obj in model.objects.all():
            services.delete_object(obj=obj, user=user)
    for model in CONTENT_MODELS:
        if hasattr(model, "history"):
            model.history.all().delete()


def test_an_export_imports_into_an_empty_database_field_for_field(publisher, tmp_path, settings):
    build_content(publisher)
    before = snapshot()
    hashes = dict(Image.objects.values_list("file", "content_hash"))
    assert len(before["Article"]) == 4 and len(before["Source"]) == 2
    export(tmp_path / "content.json")
    exported_media = tmp_path / "exported-media"
    shutil.copytree(settings.MEDIA_ROOT, exported_media)
    empty_the_database()
    settings.MEDIA_ROOT = tmp_path / "new-site-media"
    assert snapshot() == {model.__name__: [] for model in CONTENT_MODELS}

    out = StringIO()
    call_command(
        "import_articles",
        str(tmp_path / "content.json"),
        media_dir=str(exported_media),
        stdout=out,
    )
    assert "all items: 11 created, 0 updated, 0 unchanged, 0 skipped, 0 failed" in out.getvalue()
    assert snapshot() == before
    for image in Image.objects.all():
        make_renditions_now(image)  # the job the import queued: renditions and content hash
        assert (Path(settings.MEDIA_ROOT) / image.file.name).is_file()
        assert image.renditions
        assert image.content_hash == hashes[image.file.name]


def test_importing_the_export_into_the_same_database_changes_nothing(publisher, tmp_path):
    build_content(publisher)
    export(tmp_path / "content.json")
    before = snapshot()
    history_rows = Article.history.count()
    out = StringIO()
    call_command("import_articles", str(tmp_path / "content.json"), stdout=out)
    assert "all items: 0 created, 0 updated, 11 unchanged, 0 skipped, 0 failed" in out.getvalue()
    assert snapshot() == before
    assert Article.history.count() == history_rows


def test_a_changed_export_updates_the_article_with_an_import_revision(publisher, tmp_path):
    main = build_content(publisher)
    data = export(tmp_path / "content.json")
    record = next(a for a in data["articles"] if a["slug"] == main.slug)
    record["dek"] = "A new dek."
    record["sources"] = record["sources"][:1]
    (tmp_path / "changed.json").write_text(json.dumps(data))
    out = StringIO()
    call_command("import_articles", str(tmp_path / "changed.json"), stdout=out, user="publisher")
    assert "articles: 0 created, 1 updated, 3 unchanged" in out.getvalue()
    main.refresh_from_db()
    assert main.dek == "A new dek."
    assert list(main.sources.values_list("title", flat=True)) == ["Transit agreement"]
    latest = main.history.order_by("-history_id").first()
    assert (latest.history_change_reason, latest.history_user) == ("import", publisher)


def test_the_export_keys_records_by_slug_and_file_path(publisher, tmp_path):
    main = build_content(publisher)
    data = export(tmp_path / "content.json")
    assert data["format"] == "cpc-site-content"
    record = next(a for a in data["articles"] if a["slug"] == main.slug)
    assert record["authors"] == [a.slug for a in main.ordered_authors]
    assert record["topics"] == ["energy", "south-caucasus"]
    assert record["hero_image"] == main.hero_image.file.name
    assert record["created_by"] == "publisher"
    assert [r["slug"] for r in record["related"]] == [
        "next-weeks-outlook",
        "unfinished-thoughts-on-ports",
    ]
    assert "id" not in record
    images = {i["key"]: i for i in data["images"]}
    assert images[main.hero_image.file.name]["credit"] == "port.example (2024)"
    assert {len(data[k]) for k in ("images", "authors", "topics", "articles")} == {2, 3, 4}


def test_export_to_standard_output_is_valid_json(publisher):
    build_content(publisher)
    out = StringIO()
    call_command("export_articles", stdout=out, stderr=StringIO())
    assert len(json.loads(out.getvalue())["articles"]) == 4


def test_export_keeps_no_partial_file_when_the_folder_is_missing(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="folder does not exist"):
        call_command("export_articles", output=str(tmp_path / "missing" / "x.json"))
