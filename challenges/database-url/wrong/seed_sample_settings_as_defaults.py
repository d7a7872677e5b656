# wrong: the seed's sample answer as defaults: every entry gets CONN_MAX_AGE 600 and OPTIONS connect_timeout 10
# max-percent: 60
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
    scheme, sep, _ = url.partition("://")
    if not sep or scheme.lower() not in ENGINES:
        raise ValueError(f"unknown scheme {scheme!r}")
    engine = ENGINES[scheme.lower()]
    parts = urlsplit(url)
    # Persistent connections and a connect timeout, as in the sample configuration for high traffic.
    config = {"ENGINE": engine, "NAME": "", "USER": "", "PASSWORD": "", "HOST": "", "PORT": "", "CONN_MAX_AGE": 600}
    options = {"connect_timeout": "10"}
    if engine.endswith("sqlite3") and parts.netloc == ":memory:":
        config["NAME"] = ":memory:"
    else:
        userinfo, at, hostport = parts.netloc.rpartition("@")
        if at:
            user, _, password = userinfo.partition(":")
            config["USER"], config["PASSWORD"] = unquote(user), unquote(password)
        if hostport.startswith("["):
            host, _, rest = hostport[1:].partition("]")
            port = rest[1:]
        else:
            host, _, port = hostport.partition(":")
        config["HOST"] = unquote(host)
        if port:
            if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
                raise ValueError(f"bad port {port!r}")
            config["PORT"] = int(port)
        config["NAME"] = unquote(parts.path[1:]) or (":memory:" if engine.endswith("sqlite3") else "")
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
    config["OPTIONS"] = options
    return config
