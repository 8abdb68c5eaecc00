"""Read rules for the related-articles block: the one place the page and the API ask."""

from dataclasses import dataclass

from django.conf import settings

from articles.models import Article

from .models import HiddenSuggestion, RelatedLink, Suggestion


@dataclass(frozen=True)
class RelatedItem:
    article: Article
    curated: bool

    @property
    def kind(self):
        return "curated" if self.curated else "suggested"


def block_size():
    return getattr(settings, "RELATED_BLOCK_SIZE", 3)


def block_size_of(article):
    """The article's own block size, else the site's."""
    return article.related_block_size or block_size()


def related_items(article, limit=None, *, language=None):
    """The block for `article`: curated links to live articles first, in the editors' order,
    then stored suggestions of live articles (unless the article shows curated links only).
    Two queries at most, whatever the corpus size; with `language` (a reader's page), each
    article is replaced by its published translation into that language where one exists
    (one more query)."""
    if not language:
        return _related_items(article, limit)
    limit = limit or block_size_of(article)
    # Translations of one work count once, so read a few more to fill the block.
    return in_language(_related_items(article, 2 * limit), language, article)[:limit]


def in_language(items, language, page_article):
    """`items` with each article replaced by its live translation into `language`, if any;
    one article per translation group, none of the page's own group."""
    groups = {
        item.article.translation_group
        for item in items
        if item.article.language != language and item.article.translation_group
    }
    if not groups:
        return [i for i in items if i.article.translation_group != page_article.translation_group]
    translations = {
        translation.translation_group: translation
        for translation in Article.objects.published()
        .originals()
        .filter(translation_group__in=groups, language=language)
    }
    result, shown = [], {page_article.translation_group}
    for item in items:
        group = item.article.translation_group
        translation = translations.get(group)
        if item.article.language != language and translation:
            item = RelatedItem(article=translation, curated=item.curated)
        if group is None or group not in shown:
            shown.add(group)
            result.append(item)
    return result


def _related_items(article, limit=None):
    limit = limit or block_size_of(article)
    live = Article.objects.published()
    links = (
        RelatedLink.objects.filter(from_article=article, to_article__in=live)
        .select_related("to_article")
        .order_by("order", "pk")[:limit]
    )
    items = [RelatedItem(article=link.to_article, curated=True) for link in links]
    if len(items) >= limit or article.related_curated_only:
        return items
    shown = {item.article.pk for item in items}
    owner = article.working_copy_of_id or article.pk  # a working copy shows its live one's
    suggestions = (
        Suggestion.objects.filter(article_id=owner, suggested__in=live)
        .exclude(
            suggested__in=HiddenSuggestion.objects.filter(article_id=owner).values("hidden_id")
        )
        .exclude(suggested_id__in=shown | {article.pk})
        .select_related("suggested")
        .order_by("rank", "pk")[: limit - len(items)]
    )
    items += [RelatedItem(article=s.suggested, curated=False) for s in suggestions]
    return items


def current_suggestions(article, limit=None):
    """The suggestions the block would show now, for editors (no curated links)."""
    return [item.article for item in related_items(article, limit) if not item.curated]


def dead_link_count(article):
    """Curated links of `article` that readers cannot follow (draft, scheduled or archived)."""
    return (
        RelatedLink.objects.filter(from_article=article)
        .exclude(to_article__in=Article.objects.published())
        .count()
    )


def dead_link_message(count):
    if count == 1:
        return "1 related link points to an unpublished article"
    return f"{count} related links point to unpublished articles"


def editor_overview(article):
    """What the editors' panel shows: stored suggestions (marking those in the block),
    hidden articles and the dead-link count."""
    live = Article.objects.published()
    curated_live = RelatedLink.objects.filter(from_article=article, to_article__in=live).count()
    suggestions = list(
        Suggestion.objects.filter(article=article, suggested__in=live)
        .exclude(suggested__in=HiddenSuggestion.objects.filter(article=article).values("hidden_id"))
        .exclude(
            suggested__in=RelatedLink.objects.filter(from_article=article).values("to_article")
        )
        .select_related("suggested")
        .order_by("rank", "pk")
    )
    free = 0 if article.related_curated_only else max(block_size_of(article) - curated_live, 0)
    dead = dead_link_count(article)
    return {
        "suggestions": [
            {"article": s.suggested, "score": s.score, "in_block": index < free}
            for index, s in enumerate(suggestions)
        ],
        "hidden": [
            row.hidden
            for row in HiddenSuggestion.objects.filter(article=article)
            .select_related("hidden")
            .order_by("hidden__title")
        ],
        "dead_links": dead,
        "dead_link_message": dead_link_message(dead),
        "block_size": block_size_of(article),
        "curated_only": article.related_curated_only,
    }
