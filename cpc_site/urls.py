import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from . import media, two_factor

handler500 = "articles.views.server_error"
admin.site.site_header = f"{settings.SITE_NAME}: editorial desk"
admin.site.site_title = settings.SITE_NAME
admin.site.login_form = two_factor.TwoFactorLoginForm
admin.site.login_template = "admin/two_factor_login.html"

urlpatterns = [
    path("admin/two-factor/", admin.site.admin_view(two_factor.enrol), name="two-factor"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("cpc_site.api_urls")),
    path("newsletter/", include("newsletter.urls")),
    path("", include("articles.urls")),
]

if settings.SERVE_MEDIA:  # local media, debug on or off (README, "One machine")
    prefix = settings.MEDIA_URL.strip("/")
    urlpatterns.insert(
        0, re_path(rf"^{re.escape(prefix)}/(?P<path>.+)$", media.serve_media, name="media")
    )
