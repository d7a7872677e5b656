# wrong: create() is left as Django's, so the new row does not get the current tenant
# max-percent: 90
from __future__ import annotations

import contextlib
import contextvars

from django.db import models


class TenantRequired(Exception):
    pass


_tenant = contextvars.ContextVar("tenant", default=None)


def _get():
    return _tenant.get()


@contextlib.contextmanager
def tenant_context(tenant_id):
    token = _tenant.set(tenant_id)
    try:
        yield
    finally:
        _tenant.reset(token)


class TenantManager(models.Manager):
    def get_queryset(self):
        tenant = _get()
        if tenant is None:
            raise TenantRequired("no tenant")
        return super().get_queryset().filter(tenant_id=tenant)
