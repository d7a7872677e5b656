"""URLs of the api-exception-handler challenge."""

from django.urls import path, re_path

from errorsapp.views import BasicProtectedView, OrderView, SessionProtectedView, StagedView

urlpatterns = [
    re_path(r"^api/staged/(?P<rest>.*)$", StagedView.as_view()),
    path("api/orders/", OrderView.as_view()),
    path("api/basic/", BasicProtectedView.as_view()),
    path("api/session/", SessionProtectedView.as_view()),
]
