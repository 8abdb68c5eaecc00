"""Sharing without trackers: plain links built on the server, and a link to copy."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def share_section(html):
    return re.search(r'<section class="share".*?</section>', html, re.S).group(0)


def test_the_article_offers_plain_share_links_with_its_address_and_title(client):
    article = make_article(title="Ports & rails: what's next?")
    html = share_section(client.get(article.get_absolute_url()).text)
    links = {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', html)
    }
    assert list(links) == ["E-mail", "LinkedIn", "X", "Bluesky", "Facebook"]
    url = article.public_url
    mail = urlsplit(links["E-mail"])
    assert mail.scheme == "mailto"
    assert parse_qs(mail.query) == {"subject": [article.title], "body": [f"{article.title}\n{url}"]}
    assert parse_qs(urlsplit(links["LinkedIn"]).query) == {"url": [url]}
    assert parse_qs(urlsplit(links["X"]).query) == {"text": [article.title], "url": [url]}
    assert parse_qs(urlsplit(links["Bluesky"]).query) == {"text": [f"{article.title} {url}"]}
    assert parse_qs(urlsplit(links["Facebook"]).query) == {"u": [url]}
    assert all(
        urlsplit(v).netloc in ("", "www.linkedin.com", "x.com", "bsky.app", "www.facebook.com")
        for v in links.values()
    )


def test_the_link_to_copy_is_visible_without_javascript(client):
    article = make_article()
    page = client.get(article.get_absolute_url()).text
    html = share_section(page)
    assert f'<input id="share-url" type="url" value="{article.public_url}" readonly>' in html
    assert re.search(
        r'<button type="button" class="copy-link"[^>]* hidden>Copy link</button>', html
    )
    # The only script is the site's own, deferred; no third-party script is loaded.
    scripts = re.findall(r"<script src=\"([^\"]+)\"", page)
    assert scripts == ["/static/js/share.js"]
