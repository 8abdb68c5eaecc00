from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Publications"

    def ready(self):
        # Registers the write path's follow-up jobs (`articles.hooks.on_write`).
        from . import hooks, tasks  # noqa: F401, PLC0415
        from .models import translation_group_members  # noqa: PLC0415

        # Translations show one another: a change of one is an event of the others.
        hooks.register_dependents(translation_group_members)
