"""Models of the annotate-counts challenge (the candidate imports them from `catalog.models`)."""

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=200)


class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    published = models.BooleanField(default=False)
