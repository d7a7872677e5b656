# alternative: the ContextVar holds an immutable tuple stack, and the tenant is checked lazily when the queryset runs
"""tenant-scoping: immutable stack in a ContextVar; a QuerySet subclass applies the tenant filter
and the TenantRequired check just before SQL is executed (fetch, count, exists, update, delete)."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models

_stack: ContextVar[tuple[int, ...]] = ContextVar("tenant_stack", default=())


class TenantRequired(RuntimeError):
    pass


@contextmanager
def tenant_context(tenant_id):
    token = _stack.set((*_stack.get(), tenant_id))
    try:
        yield tenant_id
    finally:
        _stack.reset(token)


def _tenant() -> int:
    stack = _stack.get()
    if not stack:
        raise TenantRequired("no tenant_context() is active")
    return stack[-1]


class TenantQuerySet(models.QuerySet):
    def _scoped(self) -> models.QuerySet:
        """A plain QuerySet with the same query plus the tenant filter (checked here, lazily)."""
        tenant_id = _tenant()
        plain = models.QuerySet(model=self.model, query=self.query.chain(), using=self._db, hints=self._hints)
        plain._iterable_class = self._iterable_class
        plain._fields = self._fields
        plain._for_write = self._for_write
        return plain.filter(tenant_id=tenant_id)

    def _fetch_all(self):
        if self._result_cache is None:
            self._result_cache = list(self._scoped())
        super()._fetch_all()

    def count(self):
        if self._result_cache is not None:
            return len(self._result_cache)
        return self._scoped().count()

    def exists(self):
        return self._scoped().exists()

    def update(self, **kwargs):
        return self._scoped().update(**kwargs)

    def delete(self):
        return self._scoped().delete()

    def get(self, *args, **kwargs):
        return self._scoped().get(*args, **kwargs)

    def create(self, **kwargs):
        kwargs["tenant_id"] = _tenant()
        return super().create(**kwargs)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    pass
