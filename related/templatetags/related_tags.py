from django import template
from django.urls import reverse

from articles.policy import policy
from related.selectors import editor_overview, related_items

register = template.Library()


@register.inclusion_tag("related/related_block.html")
def related_block(article):
    return {"related": related_items(article, language=article.language)}


def panel_context(article, user):
    """The editors' view of the automatic suggestions (those of the live article, for a working
    copy), with one-click pin (into the article the form edits) and hide (on the live one)."""
    if article is None or not article.pk:
        return {"article": None}
    live = article.working_copy_of or article
    overview = editor_overview(live)

    def action(name, target, other):
        return reverse(f"admin:articles_article_related_{name}", args=[target.pk, other.pk])

    may_pin = policy.may_change_directly(user, article)
    may_hide = policy.may_change_directly(user, live)
    for row in overview["suggestions"]:
        row["pin_url"] = action("pin", article, row["article"]) if may_pin else None
        row["hide_url"] = action("hide", live, row["article"]) if may_hide else None
    overview["hidden"] = [
        {"article": hidden, "unhide_url": action("unhide", live, hidden) if may_hide else None}
        for hidden in overview["hidden"]
    ]
    return {"article": article, "may_pin": may_pin, "may_hide": may_hide, **overview}


@register.inclusion_tag("related/admin/suggestions_panel.html", takes_context=True)
def related_admin_panel(context, article):
    return panel_context(article, context["request"].user)
