# wrong: ContextVar whose default is one mutable list used as a stack, shared by every thread and task
# max-percent: 90
from __future__ import annotations

import contextlib
import contextvars

from django.db import models


class TenantRequired(Exception):
    pass


_stack = contextvars.ContextVar("tenant_stack", default=[])  # noqa: B039 - the bug this variant shows


def _get():
    stack = _stack.get()
    return stack[-1] if stack else None


@contextlib.contextmanager
def tenant_context(tenant_id):
    _stack.get().append(tenant_id)
    try:
        yield
    finally:
        _stack.get().pop()


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
