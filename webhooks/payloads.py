"""The JSON body of a delivery, in the Standard Webhooks shape: `type`, `timestamp`, `data`."""

import json
from urllib.parse import urljoin

from django.conf import settings
from django.urls import reverse
from rest_framework.fields import DateTimeField
from rest_framework.utils.encoders import JSONEncoder

from articles import changes
from articles.serializers import ArticleDetailSerializer

from .models import Event

# Events after which the article is there to show (the others remove it).
SHOWING = {Event.PUBLISHED, Event.UPDATED, Event.EMBARGOED}
_time = DateTimeField()


class SiteAddress:
    """Where the API serializers ask a request for absolute URLs: the site's own address."""

    def build_absolute_uri(self, location):
        return urljoin(settings.SITE_URL + "/", location)


def event_type(change):
    return f"article.{change.kind}"


def readable_by(article, key):
    """Whether `key` may read `article` now (live, or scheduled for an embargo key)."""
    if article is None:
        return False
    return article.is_live or (article.is_scheduled and key.can_see_embargoed)


def representation(article):
    """The article as the API's detail shows it (absolute URLs on SITE_URL)."""
    context = {"request": SiteAddress(), "selected_fields": None}
    return ArticleDetailSerializer(article, context=context).data


def body(change, *, article_data=None):
    """The body of one event; `article_data`: the article's representation, for full payloads.

    `data` repeats what the change feed says of the event (`modified_at`, `embargoed_until`,
    its `cursor`), so a receiver can tell whether its copy is current without a request."""
    data = {
        "id": change.object_id,
        "slug": change.slug,
        "previous_slug": change.previous_slug or None,
        "language": change.language,
        "modified_at": _time.to_representation(change.modified_at),
        "embargoed_until": _time.to_representation(change.embargoed_until)
        if change.embargoed_until
        else None,
        "cursor": changes.cursor_of(change).encode(),
        "api_url": urljoin(
            settings.SITE_URL + "/", reverse("api:article-detail", kwargs={"slug": change.slug})
        ),
    }
    if article_data is not None:
        data["article"] = article_data
    payload = {
        "type": event_type(change),
        "timestamp": _time.to_representation(change.recorded_at),
        "data": data,
    }
    return json.dumps(payload, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))
