# wrong: tests the tenant for truth, so tenant 0 counts as no tenant
# max-percent: 95
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


def _require():
    t = _get()
    if not t:
        raise TenantRequired("no tenant")
    return t


class TenantManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(tenant_id=_require())

    def create(self, **kwargs):
        kwargs["tenant_id"] = _require()
        return super().create(**kwargs)
