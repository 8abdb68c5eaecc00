"""Translations: a linked draft in another language, and the mark that it is up to date.

A translation starts as a copy of its source's structure (type, images, authors, topics,
sources, and related links pointed at their translations in the new language where those
exist), in the source's translation group. It remembers the source's version, so editors are
told when the source changes afterwards (`Article.translation_outdated`) and can see what
changed (`translation_changes`).
"""

from django.core.exceptions import PermissionDenied, ValidationError

from .. import languages, revisions
from ..models import Article, unique_slug
from ..policy import policy
from .articles import create_article
from .writing import writing

# What a translation takes from its source as it is; the text is the translator's to write.
COPIED_FIELDS = [
    "title", "dek", "summary", "body", "article_type", "hero_image", "social_image",
    "licence", "canonical_url", "related_block_size", "related_curated_only",
]  # fmt: skip


def translate_article(*, source, language, user, reason=""):
    """A new draft translating `source` into `language`, in its translation group."""
    source = Article.objects.get(pk=source.working_copy_of_id or source.pk)
    languages.validate_language(language)
    if language == source.language:
        raise ValidationError(f"“{source}” is already in {languages.name_of(language)}.")
    taken = Article.objects.translations_of(source).filter(language=language).first()
    if taken is not None:
        raise ValidationError(f"“{taken}” already translates this article into that language.")
    draft = Article(
        language=language,
        status=Article.Status.DRAFT,
        translation_group=source.translation_group,
        translated_from=source.language,
        translation_source_version=source.version,
        slug=unique_slug(Article, f"{source.slug}-{language}", fallback="article"),
    )
    for name in COPIED_FIELDS:
        attname = Article._meta.get_field(name).attname
        setattr(draft, attname, getattr(source, attname))
    inlines = {kind.name: _copied_rows(kind, source, language) for kind in revisions.INLINES}
    return create_article(
        user=user,
        article=draft,
        inlines=inlines,
        reason=reason or f"Translation of “{source}” ({source.language} → {language}) started",
    )


def _copied_rows(kind, source, language):
    """The source's rows of one inline kind; links to articles point at their translation
    into `language` when one exists."""
    rows = [
        {name: getattr(obj, kind.model._meta.get_field(name).attname) for name in kind.fields}
        for obj in kind.rows(source.pk)
    ]
    if kind.target is None or kind.target[1] is not Article:
        return rows
    name = kind.target[0]
    linked = Article.objects.filter(pk__in=[row[name] for row in rows])
    groups = dict(linked.values_list("pk", "translation_group"))
    translated = dict(
        Article.objects.originals()
        .filter(translation_group__in=set(groups.values()) - {None}, language=language)
        .values_list("translation_group", "pk")
    )
    for row in rows:
        row[name] = translated.get(groups.get(row[name]), row[name])
    return rows


def mark_translation_current(*, article, user):
    """Record that the translation now follows its source's current version."""
    with writing(user=user, reason="Translation brought up to date") as unit:
        current = unit.lock_one(article.pk)
        if current.translation_source is None:
            raise ValidationError("This article is not a translation.")
        if not policy.may_change_directly(user, current):
            raise PermissionDenied("You may not change this article.")
        current.translation_source_version = current.translation_source.version
        current.save()
        unit.adopt(current)
        unit.touch(current, reason="Translation brought up to date with its source")
    return current


def translation_changes(article):
    """What changed in the translation's source since the version it follows: a revision
    comparison (None when nothing did or the revisions are gone)."""
    source = article.translation_source
    if source is None or article.translation_source_version is None:
        return None
    history = Article.history.filter(id=source.pk)
    then = history.filter(version__lte=article.translation_source_version).order_by(
        "-version", "-history_id"
    )
    then, now = then.first(), history.order_by("-history_id").first()
    if then is None or now is None or then.history_id == now.history_id:
        return None
    return revisions.compare_revisions(then, now)
