"""The site's URLs plus the benchmark's constant view (`BENCH_FLOOR_VIEW=1` selects this)."""

from django.urls import path

from cpc_site.urls import handler500
from cpc_site.urls import urlpatterns as site_urlpatterns

from .views import floor

urlpatterns = [path("_bench/floor/", floor), *site_urlpatterns]

__all__ = ["handler500", "urlpatterns"]
