"""E-mail to the people a workflow step concerns, sent after the step's commit.

Django's e-mail (`EMAIL_BACKEND`: the console in development, SMTP in production): Publishers
hear of a submission, the author of a request for changes and of the publication.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from ..models import Article


def after_commit(notify, article, actor):
    transaction.on_commit(lambda: notify(article, actor))


def publishers():
    """Active users who may publish and have an address."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return users.filter(
        Q(is_superuser=True)
        | Q(groups__permissions__codename="publish_article")
        | Q(user_permissions__codename="publish_article")
    ).distinct()


def _authors(article):
    """Who wrote it: the article's creator and, for a working copy, the copy's creator too."""
    people = {article.created_by}
    if article.working_copy_of_id:
        people.add(Article.objects.get(pk=article.working_copy_of_id).created_by)
    return [p for p in people if p is not None and p.is_active and p.email]


def _edit_link(article):
    target = article.working_copy_of_id or article.pk
    return settings.SITE_URL + reverse("admin:articles_article_change", args=[target])


def _label(article):
    return (
        f"the changes to “{article.title}”" if article.working_copy_of_id else f"“{article.title}”"
    )


def _send(subject, body, recipients, actor):
    addresses = sorted({user.email for user in recipients if user != actor})
    if addresses:
        send_mass_mail([(subject, body, None, [address]) for address in addresses])


def submitted(article, actor):
    name = actor.get_full_name() or actor.get_username()
    _send(
        f"For review: {article.title}",
        f"{name} submitted {_label(article)} for review.\n\nReview it: {_edit_link(article)}\n",
        publishers(),
        actor,
    )


def changes_requested(article, actor):
    name = actor.get_full_name() or actor.get_username()
    _send(
        f"Changes requested: {article.title}",
        f"{name} asks for changes to {_label(article)}:\n\n{article.review_note}\n\n"
        f"Edit it: {_edit_link(article)}\n",
        _authors(article),
        actor,
    )


def published(article, actor):
    _send(
        f"Published: {article.title}",
        f"{_label(article)[0].upper()}{_label(article)[1:]} is now live: {article.public_url}\n",
        _authors(article),
        actor,
    )
