# alternative: urlsplit for the big pieces, parse_qsl(keep_blank_values=True) for the query; the netloc split by hand
from urllib.parse import parse_qsl, unquote, urlsplit

_BACKENDS = {
    ("postgres", "postgresql", "pgsql"): "django.db.backends.postgresql",
    ("mysql",): "django.db.backends.mysql",
    ("sqlite",): "django.db.backends.sqlite3",
}
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


def _engine(scheme):
    for names, engine in _BACKENDS.items():
        if scheme.lower() in names:
            return engine
    raise ValueError(f"unsupported database scheme {scheme!r}")


def _to_bool(name, text):
    word = text.lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{name}={text!r} is not a boolean")


def _ascii_int(text):
    return int(text) if text and text.isascii() and text.isdigit() else None


def parse_database_url(url):
    if not isinstance(url, str):
        raise ValueError("url must be a string")
    if url == "":
        raise ValueError("empty database URL")
    head = url.split("://", 1)[0]
    if "://" not in url:
        raise ValueError(f"missing scheme:// in {url!r}")
    engine = _engine(head)
    parts = urlsplit(url[len(head) + 1 :])  # "//authority/path?query#fragment": the scheme was checked above
    config = dict.fromkeys(("NAME", "USER", "PASSWORD", "HOST", "PORT"), "")
    config = {"ENGINE": engine, **config}

    netloc = parts.netloc
    if engine == "django.db.backends.sqlite3" and netloc == ":memory:":
        config["NAME"] = ":memory:"
    else:
        if "@" in netloc:
            credentials, netloc = netloc.rsplit("@", 1)
            user, _, password = credentials.partition(":")
            config["USER"] = unquote(user)
            config["PASSWORD"] = unquote(password)
        if netloc.startswith("["):
            host, _, tail = netloc[1:].partition("]")
            port = tail[1:] if tail.startswith(":") else tail
        else:
            host, _, port = netloc.partition(":")
        config["HOST"] = unquote(host)
        if port:
            number = _ascii_int(port)
            if number is None or not 0 < number < 65536:
                raise ValueError(f"invalid port {port!r}")
            config["PORT"] = number
        config["NAME"] = unquote(parts.path[1:])
        if engine == "django.db.backends.sqlite3" and config["NAME"] == "":
            config["NAME"] = ":memory:"

    options = {}
    for key, value in dict(parse_qsl(parts.query, keep_blank_values=True)).items():
        if key == "conn_max_age":
            seconds = _ascii_int(value)
            if seconds is None:
                raise ValueError(f"conn_max_age={value!r} is not a whole number of seconds")
            config["CONN_MAX_AGE"] = seconds
        elif key == "conn_health_checks":
            config["CONN_HEALTH_CHECKS"] = _to_bool(key, value)
        elif key == "atomic_requests":
            config["ATOMIC_REQUESTS"] = _to_bool(key, value)
        else:
            options[key] = value
    if options:
        config["OPTIONS"] = options
    return config
