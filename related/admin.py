from django.contrib import admin

from .models import RelatedLink


class RelatedLinkInline(admin.TabularInline):
    model = RelatedLink
    fk_name = "from_article"
    fields = ["to_article", "order"]
    autocomplete_fields = ["to_article"]
    extra = 0
    verbose_name = "curated related article"
    verbose_name_plural = "curated related articles"
