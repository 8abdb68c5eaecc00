"""`{% cachedfragment "name" key ... [since=stamp] %}…{% endcachedfragment %}`: a part of a
page cached under the content generation (see cpc_site.caching), never for editors or
previews. `since`: the change stamp of the one article the fragment shows
(`article.modified_at`): the fragment then outlives changes to other content.

While the job that stores renderings renders a page (`request.prerendering`, see
articles.prerender), a fragment without `since` shows other content and cannot be stored:
it leaves a placeholder, and the job does not store that page."""

from django import template
from django.utils.safestring import mark_safe

from cpc_site.caching import _now, fragments_enabled, get_fragment, store_fragment

register = template.Library()


def placeholder(name):
    """What stands for fragment `name` in a page rendered to be stored (`articles.prerender`);
    without a name, the start every placeholder has."""
    return f"<!--rendered per request: {name}-->" if name else "<!--rendered per request: "


class CachedFragmentNode(template.Node):
    def __init__(self, nodelist, name, keys, since):
        self.nodelist = nodelist
        self.name = name
        self.keys = keys
        self.since = since

    def render(self, context):
        request = context.get("request")
        if getattr(request, "prerendering", False):
            if self.since is None:
                return mark_safe(placeholder(self.name.resolve(context)))
            return self.nodelist.render(context)
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
