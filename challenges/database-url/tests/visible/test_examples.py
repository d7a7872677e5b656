"""The prompt's examples."""

import pytest


def test_postgres_example(submission):
    url = "postgres://app%40prod:s3cr%3At@DB.Example.com:6432/orders?sslmode=require&conn_max_age=600"
    assert submission.parse_database_url(url) == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "orders",
        "USER": "app@prod",
        "PASSWORD": "s3cr:t",
        "HOST": "DB.Example.com",
        "PORT": 6432,
        "CONN_MAX_AGE": 600,
        "OPTIONS": {"sslmode": "require"},
    }


def test_sqlite_absolute_path(submission):
    assert submission.parse_database_url("sqlite:////var/db/app.sqlite3")["NAME"] == "/var/db/app.sqlite3"


def test_ipv6_host_and_boolean(submission):
    assert submission.parse_database_url("mysql://[::1]:3306/shop?atomic_requests=On") == {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "shop",
        "USER": "",
        "PASSWORD": "",
        "HOST": "::1",
        "PORT": 3306,
        "ATOMIC_REQUESTS": True,
    }


def test_errors(submission):
    with pytest.raises(ValueError, match=r"(?i)scheme"):
        submission.parse_database_url("redis://localhost/0")
    with pytest.raises(ValueError, match=r"(?i)port"):
        submission.parse_database_url("postgres://h:0/db")
    with pytest.raises(ValueError, match=r"(?i)empty"):
        submission.parse_database_url("")
