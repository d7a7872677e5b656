# wrong: outside any context the manager returns every tenant's rows instead of raising
# max-percent: 30
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
        qs = super().get_queryset()
        tenant = _get()
        if tenant is not None:
            qs = qs.filter(tenant_id=tenant)
        return qs

    def create(self, **kwargs):
        if _get() is not None:
            kwargs["tenant_id"] = _get()
        return super().create(**kwargs)
