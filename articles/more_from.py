""" "More from <author>" under an article: each author's newest other live articles.

These lists change with other articles, not with the one on the page, so the page itself
(rendered, kept in the fragment cache under the article's change stamp, or stored by
articles.prerender) carries a slot per author box, and every response fills the slots with
one query (or from the fragment cache, under the content generation, where it is on): the
rest of the page can then be kept as long as the article does not change.
"""

import re

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from cpc_site.caching import _now, fragments_enabled, get_fragment, store_fragment

from .models import Article

SLOT = re.compile(r"<!--more from: (\d+)-->")


def slot(author_id):
    """What stands for an author's list in a page until `fill` puts it there."""
    return mark_safe(f"<!--more from: {int(author_id)}-->")


def fill(html, article, request=None):
    """`html` (a page of `article`) with each author's list in its slot."""
    lists = lists_for(SLOT.findall(html), article, request)
    return SLOT.sub(lambda found: lists.get(int(found[1]), ""), html)


def lists_for(slots, article, request=None):
    """{author id: their list} for the author ids found in a page's slots (`SLOT`)."""
    author_ids = list(dict.fromkeys(int(found) for found in slots))
    if not author_ids:
        return {}
    cached = request is not None and fragments_enabled(request)
    keys = [article.pk, *author_ids]
    lists = get_fragment(request, "more-from", keys) if cached else None
    if lists is None:
        started = _now()
        lists = _render_lists(author_ids, article)
        if cached:
            store_fragment(request, "more-from", keys, lists, started=started)
    return lists


def _render_lists(author_ids, article):
    latest = Article.objects.published().latest_by_authors(author_ids, excluding=article.pk)
    return {author_id: render_list(rows) for author_id, rows in latest.items()}


def render_list(latest):
    """An author's "More from" list: a heading and links (HTML built here, not by a template:
    every article page renders one per author)."""
    links = format_html_join(
        "\n",
        '          <li><a href="{}">{}</a></li>',
        ((a.get_absolute_url(), a.title) for a in latest),
    )
    return format_html(
        '<h4 class="more-from">More from {}</h4>\n        <ul class="more-from-list">\n{}\n'
        "        </ul>",
        latest[0].box_author_name,
        links,
    )
