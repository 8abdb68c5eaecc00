"""How the related app plugs into the articles app (`articles.hooks`), in one place."""

from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles import hooks
from articles.models import Article
from articles.revisions import InlineKind, register_inline
from articles.serializers import api_url

from .importing import RelatedLinksImport
from .models import RelatedLink, Suggestion
from .selectors import related_items

CURATED_LINKS = InlineKind(
    "related", "Curated related articles", RelatedLink, "from_article", "to_article",
    ("to_article", "order"), ("order", "pk"), True, lambda link: link.to_article.title,
    ("to_article", Article, False), ("to_article",),
)  # fmt: skip


def articles_showing(article_ids):
    """Articles whose related block may show any of `article_ids`: curated links to them and
    stored suggestions of them (the block shows the first live ones of either), or to another
    article of their translation groups (a block shows the translation in its page's
    language)."""
    groups = Article.objects.filter(pk__in=article_ids).values("translation_group")
    translations = Article.objects.filter(translation_group__in=groups).values("pk")
    linking = RelatedLink.objects.filter(
        Q(to_article__in=article_ids) | Q(to_article__in=translations)
    ).values_list("from_article_id", flat=True)
    suggesting = Suggestion.objects.filter(
        Q(suggested__in=article_ids) | Q(suggested__in=translations)
    ).values_list("article_id", flat=True)
    return set(linking) | set(suggesting)


class RelatedArticleSerializer(serializers.Serializer):
    slug = serializers.CharField(source="article.slug")
    title = serializers.CharField(source="article.title")
    summary = serializers.CharField(source="article.excerpt")
    url = serializers.CharField(source="article.public_url")
    api_url = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(
        choices=["curated", "suggested"],
        help_text="`curated` by an editor or `suggested` automatically.",
    )

    def get_api_url(self, item) -> str:
        return api_url(self.context.get("request"), "article-detail", slug=item.article.slug)


@extend_schema_field(RelatedArticleSerializer(many=True))
class RelatedBlockField(serializers.Field):
    """The related-articles block of an article, as the page shows it."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, article):
        return RelatedArticleSerializer(
            related_items(article, language=article.language), many=True, context=self.context
        ).data


def register():
    register_inline(CURATED_LINKS)
    hooks.register_dependents(articles_showing)
    hooks.register_detail_field("related", RelatedBlockField)
    hooks.register_import_handler("related", RelatedLinksImport())
