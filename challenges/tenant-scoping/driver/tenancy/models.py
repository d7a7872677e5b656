"""Model of the tenant-scoping challenge, written against the candidate's `solution.TenantManager`."""

import json
import os

from django.db import models

try:
    from solution import TenantManager
except ImportError:
    # The grader builds this app's tables on its PostgreSQL server before any submission exists
    # (an empty `solution` module stands in): managers do not shape the schema, so a plain one
    # does there. Anywhere else a missing TenantManager stays an import error.
    if not json.loads(os.environ.get("GRADER_DATABASE") or "{}").get("build_schema"):
        raise
    TenantManager = models.Manager


class Project(models.Model):
    tenant_id = models.IntegerField()
    name = models.CharField(max_length=100)

    objects = TenantManager()  # the default manager: scoped to the current tenant
    all_tenants = models.Manager()  # unscoped, for administration
