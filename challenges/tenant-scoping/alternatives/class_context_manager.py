# alternative: a class-based context manager keeping a token stack, and a QuerySet subclass that owns create()
"""tenant-scoping: ContextVar + __enter__/__exit__ class; the manager is built with from_queryset()."""

from __future__ import annotations

import contextvars

from django.db import models

_tenant: contextvars.ContextVar[int | None] = contextvars.ContextVar("tenant", default=None)


class TenantRequired(LookupError):
    pass


class tenant_context:
    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self._tokens: list[contextvars.Token] = []

    def __enter__(self) -> tenant_context:
        self._tokens.append(_tenant.set(self.tenant_id))
        return self

    def __exit__(self, *exc_info) -> bool:
        _tenant.reset(self._tokens.pop())
        return False


def _current() -> int:
    value = _tenant.get()
    if value is None:
        raise TenantRequired("Project.objects used outside tenant_context()")
    return value


class TenantQuerySet(models.QuerySet):
    def create(self, **kwargs):
        return super().create(**{**kwargs, "tenant_id": _current()})


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(tenant_id=_current())
