# alternative: one hand-written character scanner per step instead of regular expressions; dict counting
"""Each rule is a left-to-right scan that appends pieces to a list (linear time)."""


def _word(ch):
    return ch.isalnum() or ch == "_"


def _digit(ch):
    return "0" <= ch <= "9"


def _strings(sql):
    out = []
    i, n = 0, len(sql)
    start = 0
    while True:
        i = sql.find("'", start)
        if i < 0:
            out.append(sql[start:])
            return "".join(out)
        out.append(sql[start:i])
        j = i + 1
        while True:
            k = sql.find("'", j)
            if k < 0:  # unterminated: keep the rest as it is
                out.append(sql[i:])
                return "".join(out)
            if k + 1 < n and sql[k + 1] == "'":
                j = k + 2
            else:
                break
        out.append("?")
        start = k + 1


def _numbers(s):
    out = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if not _digit(ch):
            out.append(ch)
            i += 1
            continue
        j = i + 1
        while j < n and _digit(s[j]):
            j += 1
        if j + 1 < n and s[j] == "." and _digit(s[j + 1]):
            j += 2
            while j < n and _digit(s[j]):
                j += 1
        if (i > 0 and _word(s[i - 1])) or (j < n and _word(s[j])):
            out.append(s[i:j])
        else:
            out.append("?")
        i = j
    return "".join(out)


def _whitespace(s):
    out = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch == '"':
            k = s.find('"', i + 1)
            k = n - 1 if k < 0 else k
            out.append(s[i : k + 1])
            i = k + 1
        elif ch.isspace():
            i += 1
            while i < n and s[i].isspace():
                i += 1
            out.append(" ")
        else:
            out.append(ch)
            i += 1
    return "".join(out).strip()


def _in_lists(s):
    out = []
    n = len(s)
    i = 0
    while i < n:
        if s[i] in "iI" and i + 1 < n and s[i + 1] in "nN" and (i == 0 or not _word(s[i - 1])):
            j = i + 2
            if j < n and s[j] == " ":
                j += 1
            end = _placeholder_list_end(s, j)
            if end is not None:
                out.append(s[i:j] + "(?)")
                i = end
                continue
        out.append(s[i])
        i += 1
    return "".join(out)


def _placeholder_list_end(s, j):
    n = len(s)
    if j >= n or s[j] != "(":
        return None
    expect_item = True
    j += 1
    while j < n:
        ch = s[j]
        if ch == " ":
            j += 1
        elif expect_item and ch == "?":
            expect_item = False
            j += 1
        elif not expect_item and ch == ",":
            expect_item = True
            j += 1
        elif not expect_item and ch == ")":
            return j + 1
        else:
            return None
    return None


def normalize_sql(sql):
    return _in_lists(_whitespace(_numbers(_strings(sql))))


def detect_n_plus_one(queries, threshold=3):
    if threshold < 2:
        raise ValueError(f"threshold must be >= 2, got {threshold}")
    counts = {}
    for query in queries:
        sql = query["sql"] if isinstance(query, dict) else query
        pattern = normalize_sql(sql)
        counts[pattern] = counts.get(pattern, 0) + 1
    result = sorted((pattern, count) for pattern, count in counts.items() if count >= threshold)
    result.sort(key=lambda item: item[1], reverse=True)  # stable: equal counts stay in pattern order
    return result
