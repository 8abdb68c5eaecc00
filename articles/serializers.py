"""JSON shapes of the partner API: what a list item and a detail carry, field by field."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import hooks, languages
from .citations import citation_formats
from .models import Article, ArticleDocument, Author, Image, PublicCorrection, Source, Topic


def api_url(request, name, **kwargs):
    path = reverse(f"api:{name}", kwargs=kwargs)
    return request.build_absolute_uri(path) if request is not None else path


class SparseFieldsMixin:
    """Keep only the fields named in the view's `fields=` selection (validated by the view)."""

    @classmethod
    def field_names(cls):
        return list(cls.Meta.fields)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        selected = self.context.get("selected_fields")
        if selected:
            for name in set(self.fields) - set(selected):
                self.fields.pop(name)


class RenditionSerializer(serializers.Serializer):
    url = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.CharField(help_text="`webp`, `jpg` or `png`.")


class ImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    alt = serializers.CharField(source="alt_text")
    renditions = serializers.SerializerMethodField()

    class Meta:
        model = Image
        fields = [
            "url", "width", "height", "alt", "caption", "credit", "credit_url", "licence",
            "renditions",
        ]  # fmt: skip

    def get_url(self, image) -> str:
        request = self.context.get("request")
        url = image.file.url
        return request.build_absolute_uri(url) if request is not None else url

    @staticmethod
    def _absolute(request, url):
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(RenditionSerializer(many=True))
    def get_renditions(self, image):
        request = self.context.get("request")
        return [
            {
                "url": self._absolute(request, r["url"]),
                "width": r["width"],
                "height": r.get("height", 0),
                "format": r["format"],
            }
            for r in image.rendition_list()
        ]


class PublicPageField(serializers.CharField):
    """The absolute address of an object's public page."""

    def __init__(self, **kwargs):
        super().__init__(source="get_absolute_url", help_text="The public page.", **kwargs)

    def to_representation(self, value):
        return settings.SITE_URL + value


class AuthorSummarySerializer(serializers.ModelSerializer):
    url = PublicPageField()
    api_url = serializers.SerializerMethodField()

    class Meta:
        model = Author
        fields = ["name", "slug", "role", "url", "api_url"]

    def get_api_url(self, author) -> str:
        return api_url(self.context.get("request"), "author-detail", slug=author.slug)


class TopicSummarySerializer(serializers.ModelSerializer):
    url = PublicPageField()
    api_url = serializers.SerializerMethodField()

    class Meta:
        model = Topic
        fields = ["name", "slug", "kind", "url", "api_url"]

    def get_api_url(self, topic) -> str:
        return api_url(self.context.get("request"), "topic-detail", slug=topic.slug)


class AuthorSerializer(AuthorSummarySerializer):
    photo = ImageSerializer(allow_null=True)
    links = serializers.ListField(source="link_list", child=serializers.CharField())
    articles_url = serializers.SerializerMethodField()

    class Meta:
        model = Author
        fields = ["id", "name", "slug", "role", "bio", "links", "photo", "url", "api_url", "articles_url"]  # fmt: skip

    def get_articles_url(self, author) -> str:
        return api_url(self.context.get("request"), "article-list") + f"?author={author.slug}"


class TopicSerializer(TopicSummarySerializer):
    articles_url = serializers.SerializerMethodField()

    class Meta:
        model = Topic
        fields = ["id", "name", "slug", "kind", "description", "url", "api_url", "articles_url"]

    def get_articles_url(self, topic) -> str:
        return api_url(self.context.get("request"), "article-list") + f"?topic={topic.slug}"


class TranslationSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="public_url", help_text="The public page.")
    api_url = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ["language", "slug", "title", "url", "api_url"]

    def get_api_url(self, article) -> str:
        return api_url(self.context.get("request"), "article-detail", slug=article.slug)


class ArticleSummarySerializer(SparseFieldsMixin, serializers.ModelSerializer):
    type = serializers.ChoiceField(source="article_type", choices=Article.Type.choices)
    language = serializers.CharField(
        help_text="The language the article is written in: a BCP 47 code, one of "
        f"{', '.join(languages.codes())} (the `language` filter takes the same codes)."
    )
    translations = TranslationSerializer(
        source="published_translations",
        many=True,
        help_text="The article's published translations (its translation group, without "
        "itself), by language.",
    )
    url = serializers.CharField(source="public_url", help_text="The public page.")
    api_url = serializers.SerializerMethodField()
    canonical_url = serializers.CharField(
        source="canonical", help_text="Where republished copies must point."
    )
    licence = serializers.CharField(
        source="republication_licence", help_text="Republication licence, e.g. CC BY-ND 4.0."
    )
    reading_time = serializers.IntegerField(help_text="Minutes.")
    modified_at = serializers.DateTimeField(
        source="public_modified_at",
        help_text="When what readers see of this article last changed (an edit, a change of an "
        "author, topic or image it shows, its publication). The change feed carries it.",
    )
    authors = AuthorSummarySerializer(source="ordered_authors", many=True)
    topics = TopicSummarySerializer(source="topic_list", many=True)
    hero_image = ImageSerializer(allow_null=True)
    embargoed_until = serializers.SerializerMethodField(
        help_text="Set only for scheduled articles shown to keys with the embargo scope: "
        "do not publish before this time."
    )

    class Meta:
        model = Article
        fields = [
            "id", "slug", "title", "language", "translations", "dek", "summary", "type", "url",
            "api_url", "canonical_url", "licence", "published_at", "updated_at", "modified_at",
            "reading_time", "featured", "authors", "topics",
            "hero_image", "embargoed_until",
        ]  # fmt: skip

    def get_api_url(self, article) -> str:
        return api_url(self.context.get("request"), "article-detail", slug=article.slug)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_embargoed_until(self, article):
        if article.is_scheduled:
            return serializers.DateTimeField().to_representation(article.published_at)
        return None


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["title", "url", "publisher", "published_on", "accessed_on", "note"]


class CorrectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PublicCorrection
        fields = ["noted_at", "note"]


class CitationSerializer(serializers.Serializer):
    chicago = serializers.CharField()
    apa = serializers.CharField()
    bibtex = serializers.CharField()
    ris = serializers.CharField()
    csl = serializers.DictField(help_text="CSL-JSON item.")


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    size = serializers.IntegerField(help_text="Bytes.")

    class Meta:
        model = ArticleDocument
        fields = ["title", "url", "page_count", "size"]

    def get_url(self, document) -> str:
        return (
            settings.SITE_URL + document.file.url
            if document.file.url.startswith("/")
            else document.file.url
        )


class CreditSerializer(serializers.Serializer):
    text = serializers.CharField(help_text='As the page shows it after "Image source:".')
    url = serializers.CharField(source="link", help_text="Link of the credit, or empty.")
    licence = serializers.CharField()
    licence_url = serializers.CharField(
        allow_null=True, help_text="The licence's deed (Creative Commons names), else null."
    )


class ArticleDetailSerializer(ArticleSummarySerializer):
    body = serializers.CharField(help_text="Sanitised HTML.")
    documents = DocumentSerializer(
        many=True, help_text="Uploaded documents, e.g. the full report as a PDF."
    )
    pdf_url = serializers.SerializerMethodField(
        help_text="The article as a PDF (the page as printed, with its citation and licence)."
    )
    image_credit = serializers.SerializerMethodField(
        help_text="The credit of the article's picture (the hero image's, or the article's own "
        "when there is no image file); null without one. Never part of the body."
    )
    body_text = serializers.CharField(help_text="The body as plain text.")
    sources = SourceSerializer(many=True)
    corrections = CorrectionSerializer(many=True, help_text="Public corrections, oldest first.")
    citation = serializers.SerializerMethodField()

    class Meta(ArticleSummarySerializer.Meta):
        fields = [
            *ArticleSummarySerializer.Meta.fields,
            "body", "body_text", "image_credit", "pdf_url", "documents", "sources", "corrections",
            "citation",
        ]  # fmt: skip

    @classmethod
    def field_names(cls):
        """Every field, those other apps add (`articles.hooks.register_detail_field`) after
        the sources."""
        names = list(cls.Meta.fields)
        at = names.index("sources") + 1
        return [*names[:at], *hooks.detail_fields, *names[at:]]

    def get_fields(self):
        declared = super().get_fields()
        added = {name: factory() for name, factory in hooks.detail_fields.items()}
        return {name: declared.get(name) or added[name] for name in self.field_names()}

    def get_pdf_url(self, article) -> str:
        return settings.SITE_URL + article.get_pdf_url()

    @extend_schema_field(CreditSerializer(allow_null=True))
    def get_image_credit(self, article):
        credit = article.image_credit_data
        return CreditSerializer(credit).data if credit else None

    def get_citation(self, article) -> CitationSerializer:
        return citation_formats(article)


class RevisionSerializer(serializers.Serializer):
    """One published revision, as readers saw it. No editor identities."""

    revision_id = serializers.IntegerField(source="history_id")
    revised_at = serializers.DateTimeField(source="revision_date")
    note = serializers.CharField(source="change_reason", help_text="The editors' change note.")
    title = serializers.CharField(source="fields.title")
    slug = serializers.CharField(source="fields.slug")
    dek = serializers.CharField(source="fields.dek")
    summary = serializers.CharField(source="fields.summary")
    body = serializers.CharField(source="fields.body", help_text="Sanitised HTML.")
    type = serializers.ChoiceField(source="fields.article_type", choices=Article.Type.choices)
    published_at = serializers.DateTimeField(source="fields.published_at")
    authors = serializers.ListField(source="fields.authors", child=serializers.CharField())
    topics = serializers.ListField(source="fields.topics", child=serializers.CharField())
    sources = SourceSerializer(source="fields.sources", many=True)
