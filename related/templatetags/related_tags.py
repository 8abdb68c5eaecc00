from django import template
from django.urls import reverse

from related.selectors import editor_overview, related_items

register = template.Library()


@register.inclusion_tag("related/related_block.html")
def related_block(article):
    return {"related": related_items(article)}


@register.inclusion_tag("related/admin/suggestions_panel.html")
def related_admin_panel(article):
    """The editors' view of the automatic suggestions, with one-click pin and hide."""
    if article is None or not article.pk:
        return {"article": None}
    overview = editor_overview(article)

    def action(name, other):
        return reverse(f"admin:articles_article_related_{name}", args=[article.pk, other.pk])

    for row in overview["suggestions"]:
        row["pin_url"] = action("pin", row["article"])
        row["hide_url"] = action("hide", row["article"])
    overview["hidden"] = [
        {"article": hidden, "unhide_url": action("unhide", hidden)} for hidden in overview["hidden"]
    ]
    return {"article": article, **overview}
