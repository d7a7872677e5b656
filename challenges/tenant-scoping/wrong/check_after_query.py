# wrong: checks for a tenant only after the statement ran, so code outside any context sends SQL before TenantRequired
# max-percent: 40
"""The results match a correct solution everywhere: outside a context the statement finds nothing
(no row has a NULL tenant) and the error comes right after it. Only the database server sees the
difference: the SELECT, UPDATE or DELETE went out first."""

from __future__ import annotations

import contextlib
import contextvars

from django.db import models


class TenantRequired(Exception):
    pass


_tenant = contextvars.ContextVar("tenant", default=None)


@contextlib.contextmanager
def tenant_context(tenant_id):
    token = _tenant.set(tenant_id)
    try:
        yield
    finally:
        _tenant.reset(token)


def _check():
    if _tenant.get() is None:
        raise TenantRequired("no tenant_context() is active")


class TenantQuerySet(models.QuerySet):
    """Runs the statement, then makes sure a tenant was set."""

    def _fetch_all(self):
        super()._fetch_all()
        _check()

    def count(self):
        n = super().count()
        _check()
        return n

    def exists(self):
        found = super().exists()
        _check()
        return found

    def update(self, **kwargs):
        n = super().update(**kwargs)
        _check()
        return n

    def delete(self):
        done = super().delete()
        _check()
        return done

    def create(self, **kwargs):
        _check()  # a NULL tenant_id would not even insert
        return super().create(**{**kwargs, "tenant_id": _tenant.get()})


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(tenant_id=_tenant.get())
