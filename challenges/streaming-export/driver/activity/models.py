"""Models of the streaming-export challenge (the candidate imports them from `activity.models`)."""

from django.db import models


class Event(models.Model):
    kind = models.CharField(max_length=100)
    user_id = models.IntegerField(null=True)
    payload = models.JSONField(null=True)
    created = models.DateTimeField()
