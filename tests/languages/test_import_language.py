"""Importers without language metadata guess it from the text's script, and say so."""

from io import StringIO

import pytest
from django.core.management import call_command

from articles.languages import guess_language
from articles.models import Article

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Паромы перевозят контейнеры между портами Каспия.", "ru"),
        ("Қазақстан мен Әзірбайжан арасындағы паром қатынасы өсіп келеді.", "kk"),
        ("Bərələr hər il limanlar arasında daha çox yük daşıyır; dağ yolları açıqdır.", "az"),
        ("Ferries carry more containers between the ports every year.", "en"),
        ("2024 — 15 %", None),
    ],
)
def test_guess_language_from_the_script(text, expected):
    assert guess_language(text) == expected


def test_guess_is_limited_to_configured_languages(settings):
    settings.CONTENT_LANGUAGES = ["en", "az"]
    assert guess_language("Паромы перевозят контейнеры.") is None
    assert guess_language("Dəmir yolu") == "az"


def test_text_import_takes_the_guessed_language_and_reports_it(tmp_path):
    page = tmp_path / "bereler.txt"
    page.write_text(
        "Caspian Policy Review\n\nxəzərdə bərələr\n\nXəzərdə bərələr\n\n"
        "Author: Şəhla Əliyeva\n\nDate: 2024-05-02\n\n"
        "Bərələr hər il limanlar arasında daha çox yük daşıyır.\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("import_articles", str(page), stdout=out, stderr=StringIO())
    article = Article.objects.get()
    assert article.language == "az"
    assert article.search_config == "simple"
    assert "language guessed from the text's script: az" in out.getvalue()
