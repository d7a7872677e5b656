"""tenant-scoping reference: a ContextVar holds the current tenant; the manager filters by it."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.db import models

_current_tenant: contextvars.ContextVar[int | None] = contextvars.ContextVar("current_tenant", default=None)


class TenantRequired(Exception):
    """A tenant-scoped query ran outside any tenant_context()."""


@contextlib.contextmanager
def tenant_context(tenant_id: int) -> Iterator[None]:
    token = _current_tenant.set(tenant_id)
    try:
        yield
    finally:
        _current_tenant.reset(token)


def _require_tenant() -> int:
    tenant_id = _current_tenant.get()
    if tenant_id is None:
        raise TenantRequired("no tenant_context() is active")
    return tenant_id


class TenantManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(tenant_id=_require_tenant())

    def create(self, **kwargs):
        kwargs["tenant_id"] = _require_tenant()
        return super().create(**kwargs)
