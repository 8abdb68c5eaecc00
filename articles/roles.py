"""The editorial roles and what each may do; applied by data migrations."""

from django.contrib.auth.management import create_permissions


def crud(model, app="articles", actions=("add", "change", "delete", "view")):
    return [f"{app}.{action}_{model}" for action in actions]


INLINE_EDITING = [
    *crud("articleauthor"),
    *crud("articletopic"),
    *crud("source"),
    *crud("articledocument"),
    *crud("relatedlink", app="related"),
    *crud("hiddensuggestion", app="related", actions=("add", "delete", "view")),
]

CONTRIBUTOR = [
    *crud("article"),
    "articles.view_author",
    "articles.view_topic",
    *crud("image", actions=("add", "view")),
    *INLINE_EDITING,
]

EDITOR = [
    *CONTRIBUTOR,
    "articles.edit_any_article",
    *crud("author", actions=("add", "change", "view")),
    *crud("topic", actions=("add", "change", "view")),
    "articles.change_image",
    *crud("publiccorrection", actions=("add", "change", "view")),
    "newsletter.view_subscriber",  # see the sign-ups and export them as CSV
]

PUBLISHER = [
    *EDITOR,
    "articles.publish_article",
    *crud("legacypath"),
    # Unlock a login locked out by django-axes: delete its access attempts.
    "axes.view_accessattempt",
    "axes.delete_accessattempt",
    "axes.view_accesslog",
]

ROLE_PERMISSIONS = {"Contributor": CONTRIBUTOR, "Editor": EDITOR, "Publisher": PUBLISHER}


def sync_roles(apps):
    """Create the role groups and give each exactly its permissions."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, dotted_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = []
        migrated = {model._meta.app_label for model in apps.get_models()}
        for dotted in dotted_names:
            app_label, codename = dotted.split(".")
            if app_label not in migrated:
                continue  # a library not migrated yet: a later migration syncs again
            # A permission of a model a later migration adds is granted when that migration
            # syncs the roles again.
            permissions.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)
