"""A download view that calls the submission's csv_response (ROOT_URLCONF of the challenge)."""

import solution
from django.urls import path

from .models import Event


def export_events(request):
    """GET /events.csv?fields=a,b&filename=x.csv[&kind=K]: the events (of one kind) in id order."""
    queryset = Event.objects.order_by("id")
    kind = request.GET.get("kind")
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    fields = request.GET.get("fields", "").split(",")
    return solution.csv_response(queryset, fields, request.GET.get("filename", "events.csv"))


urlpatterns = [path("events.csv", export_events)]
