from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Publications"

    def ready(self):
        # Registers the write path's follow-up jobs (`articles.hooks.on_write`).
        from . import tasks  # noqa: F401, PLC0415
