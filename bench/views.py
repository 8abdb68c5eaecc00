"""The benchmark's floor: the cheapest response Django can give through the full stack."""

from django.http import HttpResponse


def floor(request):
    return HttpResponse(b"ok\n", content_type="text/plain")
