from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from . import two_factor

handler500 = "articles.views.server_error"
admin.site.site_header = f"{settings.SITE_NAME}: editorial desk"
admin.site.site_title = settings.SITE_NAME
admin.site.login_form = two_factor.TwoFactorLoginForm
admin.site.login_template = "admin/two_factor_login.html"

urlpatterns = [
    path("admin/two-factor/", admin.site.admin_view(two_factor.enrol), name="two-factor"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("cpc_site.api_urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:  # production serves media another way (README, Production)
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
