from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from articles.admin import ArticleAdmin, PreloadedAutocompleteInlineMixin
from articles.models import Article

from . import services
from .models import RelatedLink
from .selectors import dead_link_count, dead_link_message
from .templatetags.related_tags import panel_context


class RelatedLinkForm(forms.ModelForm):
    add_reverse = forms.BooleanField(
        required=False,
        label="Also link back",
        help_text="Add the reverse link (from that article to this one) at the same time.",
    )

    class Meta:
        model = RelatedLink
        fields = ["to_article", "order"]


class RelatedLinkInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = RelatedLink
    form = RelatedLinkForm
    fk_name = "from_article"
    fields = ["to_article", "order", "add_reverse", "visible_to_readers"]
    readonly_fields = ["visible_to_readers"]
    autocomplete_fields = ["to_article"]
    extra = 0
    verbose_name = "curated related article"
    verbose_name_plural = "curated related articles"
    template = "related/admin/related_inline.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("to_article")

    @admin.display(description="Shown to readers")
    def visible_to_readers(self, link):
        if not link.pk:
            return "—"
        if link.to_article.is_live:
            return "Yes"
        return format_html(
            '<strong class="errornote">No: “{}” is {}</strong>',
            link.to_article,
            "scheduled" if link.to_article.is_scheduled else "unpublished",
        )


class RelatedArticleAdmin(ArticleAdmin):
    """The article admin with curated links, the suggestions panel (pin, hide), dead-link
    flags and reverse links; registered in place of `articles.admin.ArticleAdmin`."""

    inlines = [*ArticleAdmin.inlines, RelatedLinkInline]

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/related/pin/<int:suggested_id>/",
                view(self.pin_suggestion_view),
                name="{}_{}_related_pin".format(*info),
            ),
            path(
                "<path:object_id>/related/hide/<int:suggested_id>/",
                view(self.hide_suggestion_view),
                name="{}_{}_related_hide".format(*info),
            ),
            path(
                "<path:object_id>/related/unhide/<int:suggested_id>/",
                view(self.unhide_suggestion_view),
                name="{}_{}_related_unhide".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            article = self.get_object(request, object_id)
            count = dead_link_count(article) if article else 0
            if count:
                messages.warning(
                    request,
                    f"{dead_link_message(count)}: readers do not see it until it is published again.",
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_formset(self, request, form, formset, change):
        """Inside the article's save (`ArticleAdmin.save_related`): curated links marked
        "also link back" get their reverse link in the same transaction."""
        super().save_formset(request, form, formset, change)
        if formset.model is not RelatedLink:
            return
        for link_form in formset.forms:
            data = getattr(link_form, "cleaned_data", None) or {}
            if data.get("add_reverse") and not data.get("DELETE") and link_form.instance.pk:
                if services.add_reverse_link(link=link_form.instance, user=request.user) is None:
                    self.message_user(
                        request,
                        f"The link back from “{link_form.instance.to_article}” was not added: "
                        "someone is saving that article, or readers can see it and it changes "
                        "through its working copy. Add it there.",
                        messages.WARNING,
                    )

    def _editable_article(self, request, object_id):
        article = self.get_object(request, object_id)
        if article is None:
            raise Http404("No such article.")
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        return article

    def _answer(self, request, article, message):
        """For the form's script (it keeps the form): the new panel and the article's version.
        For anything else: back to the form."""
        if "application/json" in request.headers.get("Accept", ""):
            article.refresh_from_db()
            panel = render_to_string(
                "related/admin/suggestions_panel.html",
                panel_context(article, request.user),
                request=request,
            )
            return JsonResponse({"panel": panel, "version": article.version, "message": message})
        self.message_user(request, message)
        info = self.opts.app_label, self.opts.model_name
        live = article.working_copy_of_id or article.pk
        return HttpResponseRedirect(
            reverse("admin:{}_{}_change".format(*info), args=[live]) + "#related-suggestions"
        )

    @method_decorator(require_POST)
    def pin_suggestion_view(self, request, object_id, suggested_id):
        article = self._editable_article(request, object_id)
        suggested = get_object_or_404(Article.objects.originals(), pk=suggested_id)
        if suggested.pk in (article.pk, article.working_copy_of_id):
            raise Http404("An article cannot be related to itself.")
        services.pin_suggestion(article=article, suggested=suggested, user=request.user)
        return self._answer(request, article, f"“{suggested}” is now a curated related article.")

    @method_decorator(require_POST)
    def hide_suggestion_view(self, request, object_id, suggested_id):
        article = self._editable_article(request, object_id)
        hidden = get_object_or_404(Article, pk=suggested_id)
        services.hide_suggestion(article=article, hidden=hidden, user=request.user)
        message = f"“{hidden}” will no longer be suggested for this article."
        return self._answer(request, article, message)

    @method_decorator(require_POST)
    def unhide_suggestion_view(self, request, object_id, suggested_id):
        article = self._editable_article(request, object_id)
        hidden = get_object_or_404(Article, pk=suggested_id)
        services.unhide_suggestion(article=article, hidden=hidden, user=request.user)
        return self._answer(request, article, f"“{hidden}” may be suggested again.")


admin.site.unregister(Article)
admin.site.register(Article, RelatedArticleAdmin)
