"""Curated related links in imports and exports (plugged in as the "related" import handler).

An imported "Related Articles" entry becomes a curated link when its target exists (found by
slug, import key or title), else a pending link that turns into a curated link when the target
is imported later. Runs inside the importer's unit of work.
"""

from django.db.models import Prefetch, Q

from articles.models import Article

from .models import PendingRelatedLink, RelatedLink


class RelatedLinksImport:
    def __init__(self):
        self.pending_exist = True

    def start_batch(self):
        self.pending_exist = PendingRelatedLink.objects.exists()

    # Export

    def export_prefetches(self):
        return [
            Prefetch(
                "related_links",
                queryset=RelatedLink.objects.select_related("to_article").order_by("order", "pk"),
            ),
            "pending_related_links",
        ]

    def export(self, article):
        related = [
            {"slug": link.to_article.slug, "title": link.to_article.title, "order": link.order}
            for link in article.related_links.all()
        ] + [
            {"title": p.target_title, "key": p.target_key, "order": p.order, "pending": True}
            for p in article.pending_related_links.all()
        ]
        return sorted(related, key=lambda r: r["order"])

    # Import

    def _find_target(self, article, ref):
        candidates = Article.objects.exclude(pk=article.pk).order_by("pk")
        if ref.slug:
            found = candidates.filter(slug=ref.slug).first()
            if found:
                return found
        if ref.key:
            found = candidates.filter(import_key=ref.key).first()
            if found:
                return found
        return candidates.filter(title__iexact=ref.title).first() if ref.title else None

    def _wanted(self, article, refs):
        links, pending = [], []
        for index, ref in enumerate(refs):
            order = index if ref.order is None else ref.order
            target = self._find_target(article, ref)
            if target is not None:
                links.append((target.pk, order))
            else:
                key = f"slug:{ref.slug}" if ref.slug else ref.key
                pending.append((ref.title, key, order))
        return links, pending

    def differs(self, article, refs):
        links, pending = self._wanted(article, refs)
        current_links = list(
            RelatedLink.objects.filter(from_article=article)
            .order_by("order", "pk")
            .values_list("to_article_id", "order")
        )
        current_pending = list(
            PendingRelatedLink.objects.filter(from_article=article)
            .order_by("order", "pk")
            .values_list("target_title", "target_key", "order")
        )
        return current_links != sorted(links, key=lambda x: x[1]) or current_pending != pending

    def write(self, article, refs, *, replace, stamp):
        if replace:
            for link in RelatedLink.objects.filter(from_article=article):
                stamp(link).delete()
            for pending in PendingRelatedLink.objects.filter(from_article=article):
                pending.delete()
        links, pending = self._wanted(article, refs)
        for target_id, order in links:
            stamp(RelatedLink(from_article=article, to_article_id=target_id, order=order)).save()
        for title, key, order in pending:
            self.pending_exist = True
            PendingRelatedLink(
                from_article=article, target_title=title[:300], target_key=key[:300], order=order
            ).save()

    def resolve_pending(self, article, *, stamp):
        """Links that waited for this article become curated links; returns the ids of the
        articles that got one."""
        if not self.pending_exist:
            return set()
        query = Q(target_title__iexact=article.title) | Q(target_key=f"slug:{article.slug}")
        if article.import_key:
            query |= Q(target_key=article.import_key)
        linked = set()
        for pending in PendingRelatedLink.objects.filter(query).exclude(from_article=article):
            exists = RelatedLink.objects.filter(
                from_article_id=pending.from_article_id, to_article=article
            ).exists()
            if not exists:
                stamp(
                    RelatedLink(
                        from_article_id=pending.from_article_id,
                        to_article=article,
                        order=pending.order,
                    )
                ).save()
                linked.add(pending.from_article_id)
            pending.delete()
        return linked
