"""Article PDFs: the page as printed (WeasyPrint), built by a job after each change readers
see, served at its own address, listed in the API and the sitemap."""

import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from articles import services
from articles.models import Article, ArticleDocument, ArticlePDF
from articles.pdfs import RefusedFetch, build_pdf, site_file
from articles.revisions import system_user
from tests.factories import edit, make_article, make_author, make_image

pytestmark = pytest.mark.django_db


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def report():
    article = make_article(
        title="Water, power and cotton",
        article_type=Article.Type.REPORT,
        summary="Upstream dams and downstream fields.",
        body="<p>The Rogun dam will change the seasons of the river.</p>",
        hero_image=make_image(credit="Ministry of Energy (2023)", licence="CC BY 4.0"),
        authors=[make_author(name="Daniyar Seitkali"), make_author(name="Lena Hartmann")],
        sources=2,
        licence="CC BY-ND 4.0",
    )
    services.save_article(
        article=Article.objects.get(pk=article.pk),
        user=system_user(),
        edited_version=article.version,
        correction="The dam height was corrected.",
    )
    return Article.objects.get(pk=article.pk)


def test_the_pdf_has_title_authors_credit_sources_correction_citation_and_licence(client, report):
    response = client.get(f"/articles/{report.slug}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{report.slug}.pdf"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    text = pdf_text(content)
    assert PdfReader(io.BytesIO(content)).pages[0].images  # the hero image, from media storage
    assert "Water, power and cotton" in text
    assert "Daniyar Seitkali" in text and "Lena Hartmann" in text
    assert "Image source: Ministry of Energy (2023)" in text
    assert "The Rogun dam will change the seasons" in text
    assert "Source 0" in text and "Source 1" in text
    assert "The dam height was corrected." in text
    assert "Cite this article" in text and "Seitkali, Daniyar" in text  # Chicago
    assert "Republication licence: CC BY-ND 4.0" in text
    assert "Share this article" not in text and "Download PDF" not in text


@pytest.mark.django_db(transaction=True)  # the worker runs jobs in its own transactions
def test_a_job_builds_the_pdf_after_publication_and_rebuilds_it_on_change(report, run_tasks):
    run_tasks()
    pdf = ArticlePDF.objects.get(article=report)
    assert pdf.page_count >= 1 and pdf.size == default_storage.size(pdf.file.name)
    first = pdf.file.name

    edit(report, title="Water, power and wheat")
    run_tasks()
    pdf.refresh_from_db()
    assert pdf.file.name != first
    assert "Water, power and wheat" in pdf_text(default_storage.open(pdf.file.name).read())

    services.unpublish_article(article=Article.objects.get(pk=report.pk), user=system_user())
    run_tasks()
    assert not ArticlePDF.objects.filter(article=report).exists()


def test_the_page_api_and_sitemap_link_the_pdf(client, report, settings):
    url = f"/articles/{report.slug}.pdf"
    page = client.get(report.get_absolute_url()).text
    assert f'<a href="{url}" type="application/pdf">Download PDF of this report</a>' in page
    detail = client.get(f"/api/v1/articles/{report.slug}/").json()
    assert detail["pdf_url"] == settings.SITE_URL + url
    sitemap = client.get("/sitemap-pdfs.xml").content.decode()
    assert f"<loc>{settings.SITE_URL}{url}</loc>" in sitemap


def test_drafts_have_no_pdf(client):
    draft = make_article(status=Article.Status.DRAFT, published_at=None, slug="hidden")
    assert client.get(f"/articles/{draft.slug}.pdf").status_code == 404


def test_a_stale_pdf_is_never_served(client, report):
    build_pdf(Article.objects.for_detail().get(pk=report.pk))
    edit(report, title="A newer title")
    response = client.get(f"/articles/{report.slug}.pdf")
    assert "A newer title" in pdf_text(b"".join(response.streaming_content))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://elsewhere.example/tracker.png",
        "http://127.0.0.1:8000/media/../../etc/passwd",
        "http://127.0.0.1:8000/admin/",
    ],
)
def test_the_renderer_fetches_nothing_but_the_sites_own_files(url, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    with pytest.raises(RefusedFetch):
        site_file(url)


def pdf_upload(pages=3, name="full-report.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), "application/pdf")


def attach(article, **fields):
    def write_inlines(saved):
        ArticleDocument(article=saved, **fields).save()

    services.save_article(
        article=Article.objects.get(pk=article.pk),
        user=system_user(),
        edited_version=article.version,
        write_inlines=write_inlines,
    )


def test_an_uploaded_document_shows_with_title_pages_and_size(client, report, settings):
    attach(report, title="Full report", file=pdf_upload(pages=3))
    document = ArticleDocument.objects.get()
    assert document.page_count == 3 and document.size == document.file.size > 0
    page = client.get(report.get_absolute_url()).text
    assert f'<a href="{document.file.url}" type="application/pdf">Full report</a>' in page
    assert "(PDF, 3 pages," in page
    [listed] = client.get(f"/api/v1/articles/{report.slug}/").json()["documents"]
    assert listed == {
        "title": "Full report",
        "url": settings.SITE_URL + document.file.url,
        "page_count": 3,
        "size": document.size,
    }
    # A revision of the article holds it, like its other rows.
    latest = Article.history.filter(id=report.pk).latest("history_id")
    assert [row["title"] for row in latest.inline_state["documents"]] == ["Full report"]
    assert latest.inline_state["documents"][0]["file"] == document.file.name


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"GIF89a not a pdf", "not a PDF"), (b"%PDF-1.7 broken", "cannot be read")],
)
def test_only_readable_pdfs_are_accepted(report, content, message):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = ArticleDocument(
        article=report, title="Bad", file=SimpleUploadedFile("bad.pdf", content)
    )
    with pytest.raises(ValidationError, match=message):
        document.full_clean()
