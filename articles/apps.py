from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Publications"

    def ready(self):
        # Registers the write path's follow-up jobs (`articles.hooks.on_write`).
        from . import hooks, tasks  # noqa: F401, PLC0415
        from .models import Article  # noqa: PLC0415

        # An article's page shows its published translations (switcher, hreflang, JSON-LD).
        hooks.register_dependents(
            lambda ids: set(Article.objects.with_translations_of(ids).values_list("pk", flat=True))
        )
