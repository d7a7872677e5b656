# wrong: trusts urlsplit's .username .password .hostname .port: host lower-cased, port 0 accepted
# max-percent: 91
from urllib.parse import parse_qsl, unquote, urlsplit

ENGINES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
    "sqlite": "django.db.backends.sqlite3",
}
WORDS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}


def parse_database_url(url):
    if not isinstance(url, str) or not url:
        raise ValueError("empty database URL")
    if "://" not in url:
        raise ValueError("missing scheme")
    parts = urlsplit(url)
    engine = ENGINES.get(parts.scheme)
    if engine is None:
        raise ValueError(f"unknown scheme {parts.scheme!r}")
    config = {"ENGINE": engine, "NAME": "", "USER": "", "PASSWORD": "", "HOST": "", "PORT": ""}
    if engine.endswith("sqlite3") and parts.netloc == ":memory:":
        config["NAME"] = ":memory:"
    else:
        config["USER"] = unquote(parts.username or "")
        config["PASSWORD"] = unquote(parts.password or "")
        config["HOST"] = unquote(parts.hostname or "")
        config["PORT"] = "" if parts.port is None else parts.port
        config["NAME"] = unquote(parts.path[1:]) or (":memory:" if engine.endswith("sqlite3") else "")
    options = {}
    for key, value in dict(parse_qsl(parts.query, keep_blank_values=True)).items():
        if key == "conn_max_age":
            if not (value.isascii() and value.isdigit()):
                raise ValueError(f"bad conn_max_age {value!r}")
            config["CONN_MAX_AGE"] = int(value)
        elif key in ("conn_health_checks", "atomic_requests"):
            if value.lower() not in WORDS:
                raise ValueError(f"bad boolean for {key}: {value!r}")
            config[key.upper()] = WORDS[value.lower()]
        else:
            options[key] = value
    if options:
        config["OPTIONS"] = options
    return config
