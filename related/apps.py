from django.apps import AppConfig


class RelatedConfig(AppConfig):
    name = "related"
    verbose_name = "Related articles"

    def ready(self):
        # Plug into the articles app (`articles.hooks`): curated links are part of article
        # revisions, the API detail shows the block, imports carry links, and every change
        # queues a suggestion refresh (`related.tasks`).
        from . import plugins, tasks  # noqa: F401, PLC0415

        plugins.register()
