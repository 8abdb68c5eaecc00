from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

handler500 = "articles.views.server_error"
admin.site.site_header = f"{settings.SITE_NAME}: editorial desk"
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("cpc_site.api_urls")),
    path("newsletter/", include("newsletter.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:  # production serves media another way (README, Production)
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
