from django.conf import settings
from django.contrib import admin
from django.urls import include, path

handler500 = "articles.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("cpc_site.api_urls")),
    path("", include("articles.urls")),
]

if settings.BENCH_FLOOR_VIEW:  # the benchmark's constant view (bench/), never in production
    from bench.views import floor

    urlpatterns.insert(0, path("_bench/floor/", floor))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
