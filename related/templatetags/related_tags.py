from django import template

from related.selectors import related_articles

register = template.Library()


@register.inclusion_tag("related/related_block.html")
def related_block(article):
    return {"related": related_articles(article)}
