"""Read rules for the related-articles block: the one place the page and the API ask."""

from dataclasses import dataclass

from django.conf import settings

from articles.models import Article

from .models import RelatedLink


@dataclass(frozen=True)
class RelatedItem:
    article: Article
    curated: bool

    @property
    def kind(self):
        return "curated" if self.curated else "suggested"


def block_size():
    return getattr(settings, "RELATED_BLOCK_SIZE", 3)


def related_items(article, *, limit=None):
    """The block for `article`: curated links to live articles first, in the editors' order."""
    limit = limit or block_size()
    links = (
        RelatedLink.objects.filter(from_article=article, to_article__in=Article.objects.published())
        .select_related("to_article")
        .order_by("order", "pk")[:limit]
    )
    return [RelatedItem(article=link.to_article, curated=True) for link in links]
