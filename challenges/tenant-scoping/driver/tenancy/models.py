"""Model of the tenant-scoping challenge, written against the candidate's `solution.TenantManager`."""

from django.db import models

from solution import TenantManager


class Project(models.Model):
    tenant_id = models.IntegerField()
    name = models.CharField(max_length=100)

    objects = TenantManager()  # the default manager: scoped to the current tenant
    all_tenants = models.Manager()  # unscoped, for administration
