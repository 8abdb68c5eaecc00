"""The editorial roles and what each may do; applied by a data migration."""

INLINE_EDITING = [
    "articles.add_articleauthor", "articles.change_articleauthor", "articles.delete_articleauthor",
    "articles.view_articleauthor",
    "articles.add_articletopic", "articles.change_articletopic", "articles.delete_articletopic",
    "articles.view_articletopic",
    "articles.add_source", "articles.change_source", "articles.delete_source", "articles.view_source",
    "related.add_relatedlink", "related.change_relatedlink", "related.delete_relatedlink",
    "related.view_relatedlink",
]  # fmt: skip

CONTRIBUTOR = [
    "articles.add_article", "articles.change_article", "articles.view_article",
    "articles.delete_article",
    "articles.view_author", "articles.view_topic", "articles.view_image", "articles.add_image",
    *INLINE_EDITING,
]  # fmt: skip

EDITOR = [
    *CONTRIBUTOR,
    "articles.edit_any_article",
    "articles.add_author", "articles.change_author",
    "articles.add_topic", "articles.change_topic",
    "articles.change_image",
]  # fmt: skip

PUBLISHER = [
    *EDITOR,
    "articles.publish_article",
    "articles.view_legacypath", "articles.add_legacypath", "articles.change_legacypath",
    "articles.delete_legacypath",
]  # fmt: skip

ROLE_PERMISSIONS = {"Contributor": CONTRIBUTOR, "Editor": EDITOR, "Publisher": PUBLISHER}


def sync_roles(apps):
    """Create the role groups and give each exactly its permissions."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)
