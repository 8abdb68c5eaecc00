"""Read rules for the related-articles block: the one place the page and the API ask."""

from articles.models import Article

from .models import RelatedLink

BLOCK_SIZE = 3


def related_articles(article, *, limit=BLOCK_SIZE):
    """Curated links to published articles, in the editors' order."""
    links = (
        RelatedLink.objects.filter(from_article=article, to_article__in=Article.objects.published())
        .select_related("to_article")
        .order_by("order", "pk")[:limit]
    )
    return [link.to_article for link in links]
