"""URLs of the timing-middleware challenge: /sync/... is a sync view, /async/... an async one."""

from django.urls import re_path

from timingapp.views import async_view, sync_view

urlpatterns = [
    re_path(r"^sync/(?P<rest>.*)$", sync_view),
    re_path(r"^async/(?P<rest>.*)$", async_view),
]
