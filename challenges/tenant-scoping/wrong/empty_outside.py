# wrong: outside any context the manager silently returns an empty queryset instead of raising
# max-percent: 35
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
            return super().get_queryset().none()
        return super().get_queryset().filter(tenant_id=tenant)

    def create(self, **kwargs):
        tenant = _get()
        if tenant is None:
            raise TenantRequired("no tenant")
        kwargs["tenant_id"] = tenant
        return super().create(**kwargs)
