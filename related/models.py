from django.db import models
from django.db.models import F, Q

from articles.history import content_history
from articles.write_path import WritePathModel


class RelatedLink(WritePathModel):
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


class Suggestion(WritePathModel):
    """A stored, ranked automatic suggestion; rebuilt when articles change, read as is."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="suggestions"
    )
    suggested = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["article", "suggested"], name="unique_suggestion"),
            models.CheckConstraint(
                condition=~Q(article=F("suggested")), name="suggestion_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.article} ~ {self.suggested}"


class HiddenSuggestion(WritePathModel):
    """An article an editor excluded from another article's suggestions."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    hidden = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = content_history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "hidden"], name="unique_hidden_suggestion"),
            models.CheckConstraint(
                condition=~Q(article=F("hidden")), name="hidden_suggestion_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.article} hides {self.hidden}"


class PendingRelatedLink(WritePathModel):
    """An imported "Related Articles" entry whose target has not been imported yet."""

    from_article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="pending_related_links"
    )
    target_title = models.CharField(max_length=300, db_index=True)
    target_key = models.CharField(max_length=300, blank=True, db_index=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_article", "target_title"], name="unique_pending_related_link"
            )
        ]

    def __str__(self):
        return f"{self.from_article} → “{self.target_title}” (pending)"
