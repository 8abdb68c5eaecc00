"""Helpers shared by the related-articles tests."""

import re

from related.services import refresh_suggestions


def block_titles(response):
    """Titles in the page's "Related Articles" block, in order (empty when there is no block)."""
    html = response.content.decode()
    match = re.search(r'<section class="related".*?</section>', html, re.S)
    if not match:
        return []
    return re.findall(r'<li class="related-\w+"><a href="[^"]+">([^<]+)</a>', match.group(0))


def block_kinds(response):
    html = response.content.decode()
    return re.findall(r'<li class="related-(\w+)">', html)


def refresh_all(*articles):
    for article in articles:
        refresh_suggestions(article=article)
