# wrong: keeps the tenant in threading.local, which asyncio tasks on one thread share
# max-percent: 95
from __future__ import annotations

import contextlib
import threading

from django.db import models


class TenantRequired(Exception):
    pass


_local = threading.local()


def _get():
    return getattr(_local, "tenant", None)


@contextlib.contextmanager
def tenant_context(tenant_id):
    previous = _get()
    _local.tenant = tenant_id
    try:
        yield
    finally:
        _local.tenant = previous


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
