from django import template

from related.selectors import related_items

register = template.Library()


@register.inclusion_tag("related/related_block.html")
def related_block(article):
    return {"related": related_items(article)}
