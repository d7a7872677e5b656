"""Hidden suite for n-plus-one-detector: one test per normalisation rule, properties against a
hand-written scanner (the oracle), detection order and threshold rules, and performance."""

from collections import Counter

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from grader.testing import timed

NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)

# ---------------------------------------------------------------- the oracle (a scanner, no regular expressions)


def is_word(ch):
    return ch.isalnum() or ch == "_"


def strip_strings(sql):
    out, i, n = [], 0, len(sql)
    while i < n:
        if sql[i] != "'":
            out.append(sql[i])
            i += 1
            continue
        j = i + 1
        while True:
            k = sql.index("'", j)  # the tests only use complete literals
            if k + 1 < n and sql[k + 1] == "'":
                j = k + 2
                continue
            break
        out.append("?")
        i = k + 1
    return "".join(out)


def strip_numbers(s):
    out, i, n = [], 0, len(s)
    while i < n:
        if not ("0" <= s[i] <= "9"):
            out.append(s[i])
            i += 1
            continue
        j = i
        while j < n and "0" <= s[j] <= "9":
            j += 1
        if j + 1 < n and s[j] == "." and "0" <= s[j + 1] <= "9":
            j += 1
            while j < n and "0" <= s[j] <= "9":
                j += 1
        free_before = i == 0 or not is_word(s[i - 1])
        free_after = j == n or not is_word(s[j])
        out.append("?" if free_before and free_after else s[i:j])
        i = j
    return "".join(out)


def collapse_whitespace(s):
    out, i, n = [], 0, len(s)
    while i < n:
        ch = s[i]
        if ch == '"':
            k = s.index('"', i + 1)
            out.append(s[i : k + 1])
            i = k + 1
        elif ch.isspace():
            while i < n and s[i].isspace():
                i += 1
            out.append(" ")
        else:
            out.append(ch)
            i += 1
    return "".join(out).strip()


def fold_in_lists(s):
    out, i, n = [], 0, len(s)
    while i < n:
        if s[i : i + 2].lower() == "in" and (i == 0 or not is_word(s[i - 1])):
            j = i + 2
            gap = ""
            if j < n and s[j] == " ":
                gap, j = " ", j + 1
            end = parse_placeholder_list(s, j)
            if end is not None:
                out.append(s[i : i + 2] + gap + "(?)")
                i = end
                continue
        out.append(s[i])
        i += 1
    return "".join(out)


def parse_placeholder_list(s, j):
    """End index after `( ? , ? ... )` starting at j, or None."""
    n = len(s)

    def spaces(k):
        while k < n and s[k] == " ":
            k += 1
        return k

    if j >= n or s[j] != "(":
        return None
    j = spaces(j + 1)
    if j >= n or s[j] != "?":
        return None
    j = spaces(j + 1)
    while j < n and s[j] == ",":
        j = spaces(j + 1)
        if j >= n or s[j] != "?":
            return None
        j = spaces(j + 1)
    if j < n and s[j] == ")":
        return j + 1
    return None


def oracle_normalize(sql):
    return fold_in_lists(collapse_whitespace(strip_numbers(strip_strings(sql))))


def oracle_detect(queries, threshold=3):
    counts = Counter(oracle_normalize(q["sql"] if isinstance(q, dict) else q) for q in queries)
    found = [(pattern, count) for pattern, count in counts.items() if count >= threshold]
    return sorted(found, key=lambda item: (-item[1], item[0]))


def check(submission, cases):
    for sql, expected in cases:
        assert oracle_normalize(sql) == expected, ("oracle disagrees", sql)  # keeps the examples honest
        assert submission.normalize_sql(sql) == expected, sql


# ---------------------------------------------------------------- rule 1: string literals


@pytest.mark.weight(2)
def test_string_literals_become_placeholders(submission):
    check(submission, [
        ("SELECT * FROM users WHERE name = 'bob'", "SELECT * FROM users WHERE name = ?"),
        ("WHERE a = 'x' AND b = 'yz'", "WHERE a = ? AND b = ?"),
        ("VALUES ('', 'a b  c')", "VALUES (?, ?)"),
        ("x='a'", "x=?"),
    ])


@pytest.mark.weight(3)
def test_doubled_quote_is_an_escaped_quote(submission):
    check(submission, [
        ("WHERE name = 'it''s'", "WHERE name = ?"),
        ("WHERE q = ''''", "WHERE q = ?"),
        ("WHERE q = 'a''''b' AND r = 1", "WHERE q = ? AND r = ?"),
        ("WHERE q = 'ends with quote'''", "WHERE q = ?"),
        ("WHERE a = 'x' 'y'", "WHERE a = ? ?"),
    ])


def test_string_contents_never_survive(submission):
    check(submission, [
        ("WHERE a = 'has  spaces\tand\n7 digits \"quoted\" IN (1, 2)'", "WHERE a = ?"),
        ("WHERE path = 'C:\\dir\\' AND b = 'x'", "WHERE path = ? AND b = ?"),
        ("WHERE a = '%s' AND b = %s", "WHERE a = ? AND b = %s"),
        ("WHERE a = 'é 5'", "WHERE a = ?"),
    ])


# ---------------------------------------------------------------- rule 2: numeric literals


@pytest.mark.weight(2)
def test_numbers_become_placeholders(submission):
    check(submission, [
        ("SELECT * FROM t WHERE id = 42", "SELECT * FROM t WHERE id = ?"),
        ("WHERE price > 3.14 AND qty < 0", "WHERE price > ? AND qty < ?"),
        ("LIMIT 21 OFFSET 007", "LIMIT ? OFFSET ?"),
        ("WHERE a=1 AND b<>2", "WHERE a=? AND b<>?"),
        ("WHERE x IN(1,2)", "WHERE x IN(?)"),
        ("VALUES (1,2.5,3)", "VALUES (?,?,?)"),
        ("SELECT a[1], .5, 5.", "SELECT a[?], .?, ?."),
    ])


@pytest.mark.weight(3)
def test_numbers_touching_word_characters_stay(submission):
    check(submission, [
        ("SELECT t1.id FROM t1 JOIN t2 ON t1.x = t2.y", "SELECT t1.id FROM t1 JOIN t2 ON t1.x = t2.y"),
        ("SELECT col_2, col_2 + 2 FROM t", "SELECT col_2, col_2 + ? FROM t"),
        ("WHERE v = 1e5 AND w = 2nd AND z = x9y", "WHERE v = 1e5 AND w = 2nd AND z = x9y"),
        ("WHERE _9 = 9_ AND a = 9", "WHERE _9 = 9_ AND a = ?"),
        ("WHERE é1 = 1é AND ü = 1", "WHERE é1 = 1é AND ü = ?"),
    ])


@pytest.mark.weight(3)
def test_minus_sign_is_an_operator(submission):
    check(submission, [
        ("WHERE balance > -5", "WHERE balance > -?"),
        ("WHERE a = x-5 AND b = - 2.5", "WHERE a = x-? AND b = - ?"),
        ("WHERE a = --5", "WHERE a = --?"),
        ("WHERE a IN (-1, -2)", "WHERE a IN (-?, -?)"),
    ])


def test_percent_s_and_question_mark_placeholders_are_kept(submission):
    check(submission, [
        ("SELECT * FROM t WHERE a = %s AND b = %s", "SELECT * FROM t WHERE a = %s AND b = %s"),
        ("WHERE a = %(name)s LIMIT %s OFFSET 10", "WHERE a = %(name)s LIMIT %s OFFSET ?"),
        ("WHERE a = ? AND b IN (%s, %s)", "WHERE a = ? AND b IN (%s, %s)"),
    ])


# ---------------------------------------------------------------- rule 3: double-quoted identifiers and whitespace


@pytest.mark.weight(3)
def test_whitespace_inside_double_quoted_identifiers_is_kept(submission):
    check(submission, [
        ('SELECT "my  col",   "a\tb"  FROM   "t"', 'SELECT "my  col", "a\tb" FROM "t"'),
        ('  "  padded  "  ', '"  padded  "'),
        ('SELECT "line\nbreak" ,\n"x"', 'SELECT "line\nbreak" , "x"'),
        ('SELECT "t1"."id" FROM "t1" WHERE "t1"."id" = 5', 'SELECT "t1"."id" FROM "t1" WHERE "t1"."id" = ?'),
    ])


def test_numbers_inside_identifiers_follow_the_number_rule(submission):
    # The steps run in order: numeric literals are replaced before identifiers are copied.
    check(submission, [
        ('SELECT "col 1", "col1", "2024" FROM t', 'SELECT "col ?", "col1", "?" FROM t'),
    ])


@pytest.mark.weight(2)
def test_whitespace_runs_collapse_and_the_result_is_stripped(submission):
    check(submission, [
        ("  SELECT\n\t*   FROM\r\n  t  ", "SELECT * FROM t"),
        ("SELECT\x0b*\x0cFROM t", "SELECT * FROM t"),
        ("", ""),
        (" \n\t ", ""),
    ])


@pytest.mark.weight(3)
def test_unicode_whitespace_counts_as_whitespace(submission):
    check(submission, [
        ("SELECT\u00a0*\u2003FROM\u3000t", "SELECT * FROM t"),
        ("SELECT \x1f\x1c * \x85 FROM\u2028t\u2029", "SELECT * FROM t"),
        ("\u00a0 SELECT 1 \u200a", "SELECT ?"),
    ])


def test_everything_else_is_kept_as_written(submission):
    check(submission, [
        ("select * From T where X = y", "select * From T where X = y"),
        ("SELECT a,b FROM t;", "SELECT a,b FROM t;"),
        ("UPDATE t SET a=a+b WHERE c<>d", "UPDATE t SET a=a+b WHERE c<>d"),
    ])


# ---------------------------------------------------------------- rule 4: IN lists


@pytest.mark.weight(3)
def test_in_lists_fold_to_one_placeholder(submission):
    check(submission, [
        ("SELECT * FROM t WHERE id IN (1, 2, 3)", "SELECT * FROM t WHERE id IN (?)"),
        ("WHERE id in(1,2)", "WHERE id in(?)"),
        ("WHERE id In ( 1 ,2 , 'x' )", "WHERE id In (?)"),
        ("WHERE id iN('a','b')", "WHERE id iN(?)"),
        ("WHERE id IN (7)", "WHERE id IN (?)"),
        ("WHERE id IN (?, ?, ?)", "WHERE id IN (?)"),
        ("IN (1, 2)", "IN (?)"),
        ("WHERE a NOT IN (1, 2) AND b IN (3,4,5)", "WHERE a NOT IN (?) AND b IN (?)"),
        ('WHERE "x" IN (1, 2)', 'WHERE "x" IN (?)'),
    ])


@pytest.mark.weight(2)
def test_in_list_spacing_is_normalised_first(submission):
    check(submission, [
        ("WHERE id IN\n\t(1,\n 2)", "WHERE id IN (?)"),
        ("WHERE id IN   (  1  ,  2  )", "WHERE id IN (?)"),
        ("WHERE id IN\u00a0(1,\u20032)", "WHERE id IN (?)"),
    ])


@pytest.mark.weight(3)
def test_lists_that_do_not_fold(submission):
    check(submission, [
        ("SELECT * FROM a JOIN (1, 2)", "SELECT * FROM a JOIN (?, ?)"),
        ("WHERE xin (1, 2) AND _IN(3,4) AND in2 (5, 6)", "WHERE xin (?, ?) AND _IN(?,?) AND in2 (?, ?)"),
        ("WHERE id IN (1, -2)", "WHERE id IN (?, -?)"),
        ("WHERE id IN (%s, %s)", "WHERE id IN (%s, %s)"),
        ("WHERE id IN (SELECT id FROM u WHERE v = 1)", "WHERE id IN (SELECT id FROM u WHERE v = ?)"),
        ("WHERE id IN ()", "WHERE id IN ()"),
        ("WHERE id IN ((1, 2))", "WHERE id IN ((?, ?))"),
        ("WHERE id IN (1,, 2)", "WHERE id IN (?,, ?)"),
        ("WHERE id IN (1 2)", "WHERE id IN (? ?)"),
        ("WHERE id IN (1, a)", "WHERE id IN (?, a)"),
        ("WHERE id IN [1, 2]", "WHERE id IN [?, ?]"),
        ("INSERT INTO t VALUES (1, 2)", "INSERT INTO t VALUES (?, ?)"),
    ])


# ---------------------------------------------------------------- properties against the oracle

WHITESPACE = [
    " ", "  ", "\t", "\n", "\r\n", " \t ", "\x0b", "\x0c", "\u00a0", "\u2003", "\u3000", "\x1f", "\x85", "\u2028",
]
whitespace = st.sampled_from(WHITESPACE)
words = st.sampled_from([
    "SELECT", "select", "FROM", "from", "WHERE", "AND", "or", "NOT", "JOIN", "ON", "LIMIT", "ORDER BY",
    "t", "t1", "col_2", "user_id", "u.id", "é1", "x9y", "1e5", "2nd", "IN", "in", "INTO",
    "%s", "%(pk)s", "?", "*", "=", "<>", ">=", "(", ")", ",", ";", "-", "+",
])
string_literals = st.lists(
    st.sampled_from(["a", "B", " ", "  ", "7", "2.5", '"', "''", "\n", "\\", "é", "%s", "IN (1, 2)", "-3"]),
    max_size=5,
).map(lambda pieces: "'" + "".join(pieces) + "'")
identifiers = st.lists(
    st.sampled_from(["a", "col", "x1", "_", " ", "  ", "\t", "\n", "é", "IN", "Na"]), min_size=1, max_size=5
).map(lambda pieces: '"' + "".join(pieces) + '"')
integers = st.integers(0, 10**6).map(str)
decimals = st.tuples(st.integers(0, 999), st.integers(0, 999)).map(lambda p: f"{p[0]}.{p[1]}")
values = st.one_of(integers, decimals, string_literals, st.sampled_from(["-1", "-2.5", "?", "%s", "a", "NULL"]))
list_spacing = st.sampled_from(["", " ", "  ", "\n", "\t "])


@st.composite
def in_lists(draw):
    keyword = draw(st.sampled_from(["IN", "in", "In", "iN", "NOT IN", "JOIN", "xin", "_IN"]))
    gap = draw(st.sampled_from(["", " ", "  ", "\n", "\u00a0"]))
    items = draw(st.lists(values, min_size=0, max_size=4))
    body = ""
    for index, item in enumerate(items):
        if index:
            body += draw(list_spacing) + "," + draw(list_spacing)
        body += item
    return f"{keyword}{gap}({draw(list_spacing)}{body}{draw(list_spacing)})"


tokens = st.one_of(words, words, string_literals, identifiers, integers, decimals, in_lists())


@st.composite
def sql_texts(draw):
    """Tokens separated by whitespace: no decimal literal ever touches a word character."""
    parts = draw(st.lists(tokens, max_size=12))
    text = draw(st.sampled_from(["", " ", "\n "]))
    for part in parts:
        text += part + draw(whitespace)
    return text


@pytest.mark.weight(4)
@settings(max_examples=100)
@given(sql=sql_texts())
def test_normalize_matches_the_oracle(submission, sql):
    assert submission.normalize_sql(sql) == oracle_normalize(sql)


@pytest.mark.weight(2)
@settings(max_examples=40)
@given(sql=sql_texts())
def test_normalize_is_idempotent(submission, sql):
    once = submission.normalize_sql(sql)
    assert submission.normalize_sql(once) == once


@pytest.mark.weight(2)
@settings(max_examples=40)
@given(parts=st.lists(tokens, min_size=1, max_size=10), data=st.data())
def test_whitespace_between_tokens_does_not_matter(submission, parts, data):
    def render():
        text = data.draw(st.sampled_from(["", " ", "\t\n", "\u3000"]))
        for part in parts:
            text += part + data.draw(st.lists(whitespace, min_size=1, max_size=3).map("".join))
        return text

    first, second = render(), render()
    assert submission.normalize_sql(first) == submission.normalize_sql(second)


template_words = st.sampled_from(["SELECT", "x", "FROM t", "WHERE", "a =", "AND b >", "LIMIT", "(", ")", ",", "id IN"])


@pytest.mark.weight(2)
@settings(max_examples=40)
@given(shape=st.lists(st.one_of(template_words, st.sampled_from(["<value>", "<in>"])), min_size=1, max_size=10),
       data=st.data())
def test_literal_values_do_not_matter(submission, shape, data):
    plain_values = st.one_of(integers, decimals, string_literals)

    def render():
        text = ""
        for part in shape:
            if part == "<value>":
                part = data.draw(plain_values)
            elif part == "<in>":
                part = "IN (" + ", ".join(data.draw(st.lists(plain_values, min_size=1, max_size=4))) + ")"
            text += part + " "
        return text

    first, second = render(), render()
    assert submission.normalize_sql(first) == submission.normalize_sql(second)


# ---------------------------------------------------------------- detect_n_plus_one


@pytest.mark.weight(2)
def test_detect_counts_patterns_with_the_default_threshold(submission):
    queries = [
        "SELECT * FROM book WHERE author_id = 1",
        "SELECT * FROM author",
        "SELECT * FROM book WHERE author_id = 2",
        "SELECT * FROM tag WHERE id IN (1, 2)",
        "SELECT * FROM book WHERE author_id = 3",
        "SELECT * FROM tag WHERE id IN (3)",
    ]
    assert submission.detect_n_plus_one(queries) == [("SELECT * FROM book WHERE author_id = ?", 3)]
    assert submission.detect_n_plus_one(queries, 2) == [
        ("SELECT * FROM book WHERE author_id = ?", 3),
        ("SELECT * FROM tag WHERE id IN (?)", 2),
    ]


@pytest.mark.weight(3)
def test_detect_orders_by_count_then_pattern(submission):
    queries = (
        ["select b = 1"] * 3
        + ["SELECT a = 'x'"] * 3
        + ["SELECT b = 2"] * 5
        + ["select a = 3"] * 3
        + ["SELECT c"] * 4
    )
    result = submission.detect_n_plus_one(queries)
    assert result == [
        ("SELECT b = ?", 5),
        ("SELECT c", 4),
        ("SELECT a = ?", 3),
        ("select a = ?", 3),
        ("select b = ?", 3),
    ]
    assert all(type(item) is tuple for item in result)


@pytest.mark.weight(2)
def test_detect_threshold_is_inclusive(submission):
    queries = ["SELECT 1", "SELECT 2", "SELECT 3", "SELECT x", "SELECT x"]
    assert submission.detect_n_plus_one(queries, threshold=3) == [("SELECT ?", 3)]
    assert submission.detect_n_plus_one(queries, threshold=4) == []
    assert submission.detect_n_plus_one(queries, threshold=2) == [("SELECT ?", 3), ("SELECT x", 2)]


@pytest.mark.weight(4)
def test_threshold_below_two_raises_value_error(submission):
    for threshold in [1, 0, -3]:
        with pytest.raises(ValueError):
            submission.detect_n_plus_one(["SELECT 1"] * 5, threshold)
        with pytest.raises(ValueError):
            submission.detect_n_plus_one([], threshold=threshold)


def test_detect_on_no_queries(submission):
    assert submission.detect_n_plus_one([]) == []


@pytest.mark.weight(2)
def test_detect_accepts_django_query_dicts(submission):
    queries = [{"sql": f"SELECT * FROM book WHERE id = {n}", "time": "0.001"} for n in range(4)]
    queries.append({"sql": "SELECT * FROM author", "time": "0.002"})
    assert submission.detect_n_plus_one(queries) == [("SELECT * FROM book WHERE id = ?", 4)]


def test_detect_accepts_strings_and_dicts_mixed(submission):
    queries = ["SELECT 1", {"sql": "SELECT 2"}, "SELECT  3", {"sql": "SELECT\n4", "time": "0.1"}]
    assert submission.detect_n_plus_one(queries, 2) == [("SELECT ?", 4)]


def test_detect_consumes_a_one_shot_iterator(submission):
    def generate():
        for n in range(3):
            yield {"sql": f"SELECT * FROM t WHERE id IN ({n}, {n + 1})"}
        yield "SELECT * FROM u"
        yield "SELECT * FROM u"

    assert submission.detect_n_plus_one(generate(), 2) == [
        ("SELECT * FROM t WHERE id IN (?)", 3),
        ("SELECT * FROM u", 2),
    ]


def test_normalised_patterns_are_what_is_counted(submission):
    queries = [
        "SELECT * FROM t WHERE name = 'a' AND id IN (1, 2)",
        "select * from t where name = 'b' and id in (3)",
        "SELECT  *  FROM t\nWHERE name = 'it''s' AND id IN (4,5,6)",
    ]
    assert submission.detect_n_plus_one(queries, 2) == [
        ("SELECT * FROM t WHERE name = ? AND id IN (?)", 2),
    ]


query_templates = st.sampled_from([
    "SELECT * FROM book WHERE author_id = {v}",
    "SELECT * FROM book WHERE author_id={v}",
    "select * from book where author_id = {v}",
    "SELECT * FROM tag WHERE id IN ({v}, {v})",
    "SELECT * FROM tag WHERE id IN ({v})",
    'SELECT "a  b" FROM t WHERE x = {v}',
    "SELECT * FROM author",
    "UPDATE t SET n = {v}",
])
query_values = st.one_of(st.integers(0, 99).map(str), st.sampled_from(["'x'", "'it''s'", "1.5", "%s"]))


@pytest.mark.weight(3)
@settings(max_examples=40, phases=NO_SHRINK)  # shrinking lists of queries costs minutes of round trips
@given(
    queries=st.lists(
        st.tuples(query_templates, query_values, st.booleans(), whitespace),
        max_size=15,
    ),
    threshold=st.integers(2, 4),
)
def test_detect_matches_the_oracle(submission, queries, threshold):
    sqls = []
    for template, value, as_dict, space in queries:
        sql = template.format(v=value).replace(" ", space, 1)
        sqls.append({"sql": sql, "time": "0.0"} if as_dict else sql)
    assert submission.detect_n_plus_one(sqls, threshold) == oracle_detect(sqls, threshold)


@settings(max_examples=30, phases=NO_SHRINK)
@given(
    queries=st.lists(st.tuples(query_templates, query_values, st.booleans()), max_size=8),
    threshold=st.integers(-(10**6), 1),
)
def test_thresholds_below_two_raise_value_error_for_any_queries(submission, queries, threshold):
    sqls = []
    for template, value, as_dict in queries:
        sql = template.format(v=value)
        sqls.append({"sql": sql, "time": "0.0"} if as_dict else sql)
    with pytest.raises(ValueError):
        submission.detect_n_plus_one(sqls, threshold)


# ---------------------------------------------------------------- performance: O(total length)


def big_query(literals=40_000):
    """A ~750 kB query with 40,000 literals of every kind, and its normalised form (built side by side)."""
    raw, expected = ["SELECT  \"a  b\",\tc1 FROM t WHERE"], ['SELECT "a  b", c1 FROM t WHERE']
    for n in range(literals // 4):
        raw.append(f"\n  c{n % 7} = 'v''{n}'  AND d = {n}.5 OR e IN ({n}, -{n}) AND f IN\t({n},'x')")
        expected.append(f" c{n % 7} = ? AND d = ? OR e IN (?, -?) AND f IN (?)")
    raw.append("  ")
    return "".join(raw), "".join(expected)


@pytest.mark.weight(4)
def test_one_large_query_in_linear_time(submission):
    sql, expected = big_query()
    # Linear solutions take 0.1 to 0.2 s; rebuilding the string per literal takes about 6 s.
    assert timed(submission.normalize_sql, sql, bound_s=1.5) == expected


def many_queries(total=60_000, distinct=50_000):
    """`distinct` shapes of equal length, differing only at the end; `total - distinct` of them seen twice."""
    queries, counts = [], Counter()
    for n in range(total):
        shape = (n * 7919) % distinct
        queries.append(f"SELECT * FROM t WHERE id = {n} AND name = 'q{n}' AND kind = k{shape:05d}")
        counts[f"SELECT * FROM t WHERE id = ? AND name = ? AND kind = k{shape:05d}"] += 1
    expected = sorted(((p, c) for p, c in counts.items() if c >= 2), key=lambda item: (-item[1], item[0]))
    return queries, expected


@pytest.mark.weight(4)
def test_many_queries_in_linear_time(submission):
    queries, expected = many_queries()
    # Correct solutions take 0.6 to 1.4 s; counting in a list of pairs takes about 36 s.
    assert timed(submission.detect_n_plus_one, queries, 2, bound_s=6.0) == expected
