"""`{% cachedfragment "name" key ... [since=stamp] %}…{% endcachedfragment %}`: a part of a
page cached under the content generation (see cpc_site.caching), never for editors or
previews. `since`: the change stamp of the one article the fragment shows
(`article.modified_at`): the fragment then outlives changes to other content.

Such a stamped fragment is also what a stored rendering holds (articles.prerender): a view
puts a current rendering's parts in `request.prerendered_parts` ({name: HTML}), served as
they are, and the job that renders them sets `request.prerender_collector`, which collects
each stamped fragment as it renders."""

from django import template
from django.utils.safestring import mark_safe

from cpc_site.caching import _now, fragments_enabled, get_fragment, store_fragment

register = template.Library()


def placeholder(name):
    """What stands for fragment `name` in a stored page (`articles.prerender`); without a
    name, the start every placeholder has."""
    return f"<!--rendered per request: {name}-->" if name else "<!--rendered per request: "


class CachedFragmentNode(template.Node):
    def __init__(self, nodelist, name, keys, since):
        self.nodelist = nodelist
        self.name = name
        self.keys = keys
        self.since = since

    def render(self, context):
        request = context.get("request")
        if request is not None and self.since is not None:
            name = self.name.resolve(context)
            prerendered = getattr(request, "prerendered_parts", None) or {}
            if name in prerendered:
                return mark_safe(prerendered[name])
            collector = getattr(request, "prerender_collector", None)
            if collector is not None:
                collector[name] = html = str(self.nodelist.render(context))
                return mark_safe(html)
        if getattr(request, "prerender_collector", None) is not None:
            # Not part of a stored rendering: rendered by each request, in its place.
            return mark_safe(placeholder(self.name.resolve(context)))
        if request is None or not fragments_enabled(request):
            return self.nodelist.render(context)
        name = self.name.resolve(context)
        keys = [key.resolve(context) for key in self.keys]
        since = self.since.resolve(context) if self.since is not None else None
        html = get_fragment(request, name, keys, since)
        if html is None:
            started = _now()
            html = self.nodelist.render(context)
            store_fragment(request, name, keys, str(html), started=started, since=since)
        return mark_safe(html)


@register.tag
def cachedfragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% cachedfragment %} needs a name.")
    since = None
    if bits[-1].startswith("since="):
        since = parser.compile_filter(bits.pop()[len("since=") :])
    nodelist = parser.parse(("endcachedfragment",))
    parser.delete_first_token()
    return CachedFragmentNode(
        nodelist,
        parser.compile_filter(bits[1]),
        [parser.compile_filter(b) for b in bits[2:]],
        since,
    )
