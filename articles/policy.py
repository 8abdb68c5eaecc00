"""The one permission policy: every "may this user … this article?" is answered here.

The admin (what it shows and offers), the views (preview) and the services (what they allow)
all ask `policy`; nothing else restates a role rule. The roles themselves are permission sets
(`articles.roles`): Contributors write their own drafts, Editors edit any article, Publishers
also publish, schedule, unpublish, archive, and delete or undelete what readers could see.
What readers can see (a published, scheduled or archived article) changes only when a
Publisher says so: anyone else edits it through a working copy that a Publisher publishes.
"""

from .models import Article

# States in which readers can see (or could see) an article: moving into or out of them, and
# deleting or undeleting an article in them, takes the publish permission.
PUBLIC_STATES = frozenset({Article.Status.PUBLISHED, Article.Status.ARCHIVED})
NOT_ALLOWED = "You may not publish, schedule, unpublish or archive articles."


class ArticlePolicy:
    def sees_all(self, user):
        """Editors and Publishers work on every article; Contributors on their own."""
        return user.has_perm("articles.edit_any_article") or user.has_perm(
            "articles.publish_article"
        )

    def visible_in_admin(self, user, queryset):
        """The articles the admin lists and opens for `user`."""
        return queryset if self.sees_all(user) else queryset.filter(created_by=user)

    def may_add(self, user):
        return user.has_perm("articles.add_article")

    def may_edit(self, user, article):
        """Edit the article's text and rows (through a working copy when it is public)."""
        if article.working_copy_of_id is not None:
            article = article.working_copy_of
        if not user.has_perm("articles.change_article"):
            return False
        if self.sees_all(user):
            return True
        return article.created_by_id == user.pk and article.status in {
            Article.Status.DRAFT,
            Article.Status.IN_REVIEW,
            Article.Status.CHANGES_REQUESTED,
        }

    def may_change_directly(self, user, article):
        """Save changes straight into the article, without a working copy: only while readers
        cannot see it, or for those who may publish."""
        if not self.may_edit(user, article):
            return False
        return article.status not in PUBLIC_STATES or self.may_publish(user, article)

    def may_request_changes(self, user, article):
        """Send an article (or working copy) in review back to its author with a comment."""
        return article.status == Article.Status.IN_REVIEW and self.may_publish(user, article)

    def may_publish(self, user, article=None):
        """Publish, schedule, unpublish, archive, or change a publication time."""
        if not user.has_perm("articles.publish_article"):
            return False
        return article is None or self.may_edit(user, article)

    def may_change_status(self, user, article, new_status):
        """Only publishers move an article into or out of the public states."""
        if new_status == article.status:
            return True
        if new_status in PUBLIC_STATES or article.status in PUBLIC_STATES:
            return self.may_publish(user, article)
        return True

    def may_delete(self, user, article):
        if not (user.has_perm("articles.delete_article") and self.may_edit(user, article)):
            return False
        return article.status not in PUBLIC_STATES or self.may_publish(user, article)

    def may_undelete(self, user, deleted):
        """`deleted`: the article as it was when deleted (its last revision's instance)."""
        if not (self.may_add(user) and self.may_edit(user, deleted)):
            return False
        return deleted.status not in PUBLIC_STATES or self.may_publish(user)

    def may_restore(self, user, article, revision, *, restore_status):
        """A restore changes what readers see of a public article at once."""
        if not self.may_change_directly(user, article):
            return False
        return not restore_status or self.may_change_status(user, article, revision.status)

    def may_preview(self, user, article):
        """A preview shows what its viewer may edit (Editors and Publishers: everything)."""
        return self.may_edit(user, article)

    def may_pick_related(self, user):
        """Anyone who writes may choose related articles among all published ones."""
        return user.has_perm("articles.change_article")

    def may_change(self, user, obj, action="change"):
        """Authors, topics, images, old addresses: the model permission of the action."""
        meta = obj._meta
        return user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}")


policy = ArticlePolicy()
