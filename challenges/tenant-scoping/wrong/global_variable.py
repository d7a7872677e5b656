# wrong: keeps the tenant in a module-level global, so threads and tasks see each other's tenant
# max-percent: 90
from __future__ import annotations

import contextlib

from django.db import models


class TenantRequired(Exception):
    pass


_tenant = None


def _get():
    return _tenant


@contextlib.contextmanager
def tenant_context(tenant_id):
    global _tenant
    previous = _tenant
    _tenant = tenant_id
    try:
        yield
    finally:
        _tenant = previous


def _require():
    t = _get()
    if t is None:
        raise TenantRequired("no tenant")
    return t


class TenantManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(tenant_id=_require())

    def create(self, **kwargs):
        kwargs["tenant_id"] = _require()
        return super().create(**kwargs)
