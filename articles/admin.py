from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .admin_revisions import ArticleRevisionAdminMixin, RevisionFormMixin
from .models import (
    Article,
    ArticleAuthor,
    ArticleTopic,
    Author,
    Image,
    LegacyPath,
    Source,
    Topic,
)
from .policy import NOT_ALLOWED, policy


def image_thumbnail(image, width=120):
    if not image or not image.file:
        return "—"
    small = min(image.renditions, key=lambda r: r["width"], default=None)
    url = image.file.url if small is None else image.file.storage.url(small["name"])
    credit = format_html("<br>Image source: {}", image.credit) if image.credit else ""
    return format_html('<img src="{}" width="{}" alt="{}">{}', url, width, image.alt_text, credit)


class WritePathAdminMixin:
    """Saves and deletes through the write path (`articles.services`), never directly."""

    def save_model(self, request, obj, form, change):
        services.save_object(obj=obj, user=request.user)

    def delete_model(self, request, obj):
        services.delete_object(obj=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Image)
class ImageAdmin(WritePathAdminMixin, SimpleHistoryAdmin):
    list_display = ["thumbnail", "alt_text", "credit", "width", "height", "created_at"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["thumbnail", "width", "height"]
    fields = [
        "file",
        "thumbnail",
        "alt_text",
        "caption",
        "credit",
        "credit_url",
        "licence",
        "width",
        "height",
    ]

    @admin.display(description="Preview")
    def thumbnail(self, image):
        return image_thumbnail(image)


@admin.register(Author)
class AuthorAdmin(WritePathAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "role", "slug"]
    search_fields = ["name", "role"]
    autocomplete_fields = ["photo"]


@admin.register(Topic)
class TopicAdmin(WritePathAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name"]


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    fields = ["author", "order"]
    autocomplete_fields = ["author"]
    extra = 0
    min_num = 0


class ArticleTopicInline(admin.TabularInline):
    model = ArticleTopic
    fields = ["topic"]
    autocomplete_fields = ["topic"]
    extra = 0


class SourceInline(admin.StackedInline):
    model = Source
    fields = [("title", "order"), ("url", "publisher"), ("published_on", "accessed_on"), "note"]
    extra = 0


class ArticleAdminForm(RevisionFormMixin, forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title", "slug", "dek", "summary", "body", "article_type", "hero_image",
            "status", "published_at", "licence", "canonical_url",
        ]  # fmt: skip

    def clean(self):
        """The policy's answers as form errors (the service enforces them again)."""
        cleaned = super().clean()
        user = self.request_user
        new_status = cleaned.get("status", self.instance.status)
        original = Article(
            status=self.initial.get("status", Article.Status.DRAFT),
            created_by_id=self.instance.created_by_id or user.pk,
        )
        if not policy.may_change_status(user, original, new_status):
            self.add_error("status", NOT_ALLOWED)
        if (
            "published_at" in self.changed_data
            and Article.Status.PUBLISHED in (new_status, original.status)
            and not policy.may_publish(user)
        ):
            self.add_error("published_at", "Only publishers may change the publication time.")
        if new_status == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
        return cleaned


class StatusFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [*Article.Status.choices, ("scheduled", "Scheduled (future)")]

    def queryset(self, request, queryset):
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == Article.Status.PUBLISHED:
            return queryset.published()
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Article)
class ArticleAdmin(ArticleRevisionAdminMixin, SimpleHistoryAdmin):
    form = ArticleAdminForm
    list_display = ["title", "state", "byline", "published_at", "updated_at"]
    list_filter = [StatusFilter, "article_type", "topics", "published_at"]
    search_fields = ["title", "slug", "dek", "article_authors__author__name"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["hero_image"]
    readonly_fields = ["hero_preview", "reading_time", "updated_at", "preview_link"]
    # Other apps add theirs (the related app: curated links) by subclassing this admin.
    inlines = [ArticleAuthorInline, ArticleTopicInline, SourceInline]
    actions = ["submit_for_review", "publish", "unpublish", "archive"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "dek", "summary", "body", "article_type"]}),
        ("Hero image", {"fields": ["hero_image", "hero_preview"]}),
        (
            "Publication",
            {"fields": ["status", "published_at", "preview_link", "reading_time", "updated_at"]},
        ),
        ("Syndication", {"classes": ["collapse"], "fields": ["licence", "canonical_url"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("article_authors__author")
        return policy.visible_in_admin(request.user, queryset)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request_user = request.user
        return form

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return policy.may_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return policy.may_delete(request.user, obj)

    def has_publish_permission(self, request):
        return policy.may_publish(request.user)

    def delete_model(self, request, obj):
        services.delete_article(article=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset.order_by("pk"):
            if not policy.may_delete(request.user, article):
                raise PermissionDenied
            self.delete_model(request, article)

    @admin.display(description="State", ordering="status")
    def state(self, article):
        if article.is_scheduled:
            return format_html(
                "Scheduled for {}",
                timezone.localtime(article.published_at).strftime("%d %b %Y %H:%M"),
            )
        return article.get_status_display()

    @admin.display(description="Authors")
    def byline(self, article):
        return ", ".join(link.author.name for link in article.article_authors.all())

    @admin.display(description="Current hero image")
    def hero_preview(self, article):
        return image_thumbnail(article.hero_image, width=240)

    @admin.display(description="Preview")
    def preview_link(self, article):
        if not article.pk:
            return "Save the article to preview it."
        url = reverse("articles:article-preview", kwargs={"pk": article.pk})
        return format_html('<a href="{}" target="_blank">Preview as a reader would see it</a>', url)

    def _apply(self, request, queryset, service, done):
        count = 0
        for article in queryset:
            try:
                service(article=article, user=request.user)
            except PermissionDenied as error:
                self.message_user(request, f"{article}: {error}", messages.ERROR)
            else:
                count += 1
        self.message_user(request, f"{count} article(s) {done}.", messages.SUCCESS)

    @admin.action(description="Submit for review")
    def submit_for_review(self, request, queryset):
        self._apply(request, queryset, services.submit_for_review, "submitted for review")

    @admin.action(
        description="Publish (or schedule at the set publication time)", permissions=["publish"]
    )
    def publish(self, request, queryset):
        self._apply(request, queryset, services.publish_article, "published or scheduled")

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._apply(request, queryset, services.unpublish_article, "unpublished")

    @admin.action(description="Archive", permissions=["publish"])
    def archive(self, request, queryset):
        self._apply(request, queryset, services.archive_article, "archived")


@admin.register(LegacyPath)
class LegacyPathAdmin(admin.ModelAdmin):
    list_display = ["path", "article", "created_at"]
    search_fields = ["path", "article__title"]
    autocomplete_fields = ["article"]

    def save_model(self, request, obj, form, change):
        services.save_legacy_path(legacy_path=obj, user=request.user)

    def delete_model(self, request, obj):
        services.delete_legacy_path(legacy_path=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
