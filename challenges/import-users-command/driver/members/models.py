"""Model of the import-users-command challenge (the candidate imports it from `members.models`)."""

from django.db import models


class Member(models.Model):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200)
