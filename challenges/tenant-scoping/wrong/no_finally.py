# wrong: no try/finally around the yield, so an exception leaves the inner tenant in place
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
    yield
    _tenant.reset(token)


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
