"""Where the write path begins: content rows are saved only inside `articles.services.writing()`.

Every change to content goes through a service (see `articles.services`), which opens one
transaction, checks permissions and the edited version, writes, and records exactly one
revision and the change-log rows. A content model refuses `save()` and `delete()` anywhere
else, so a shell, a stray view or a test cannot write content behind the services' back by
accident. (Queryset writes — `update()`, bulk deletes, bulk inserts — are the services' own
tools and are not checked here: code review keeps them inside `articles/services` and the
importers' bulk path.)
"""

from contextvars import ContextVar

from django.db import models

_unit = ContextVar("write_path_unit", default=None)


class WritePathError(RuntimeError):
    pass


def current_unit():
    """The unit of work of the running service, or None outside the write path."""
    return _unit.get()


def enter(unit):
    return _unit.set(unit)


def leave(token):
    _unit.reset(token)


def require_write_path(instance):
    if _unit.get() is None:
        raise WritePathError(
            f"{type(instance).__name__} rows are written through articles.services "
            "(e.g. save_article, publish, save_author), never directly."
        )


class WritePathModel(models.Model):
    """A content model: saved and deleted only inside a service of the write path."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        require_write_path(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        require_write_path(self)
        return super().delete(*args, **kwargs)
