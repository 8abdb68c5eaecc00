from django.db import models
from django.db.models import F, Q

from articles.history import content_history


class RelatedLink(models.Model):
    """A link curated by an editor from one article to another, in display order."""

    from_article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="related_links"
    )
    to_article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="linked_from"
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = content_history()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_article", "to_article"], name="unique_related_link"
            ),
            models.CheckConstraint(
                condition=~Q(from_article=F("to_article")), name="related_link_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.from_article} → {self.to_article}"
