"""Hidden suite for truncate-html.

Every call goes through the challenge's driver (driver/driver.py), which returns plain
strings. The expected output is computed here by ORACLE: a character-by-character
scanner (no regular expressions) that follows the rules of the prompt, checked against
hypothesis-generated well-formed HTML and hand-written examples.
"""

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.testing import timed

VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"])
HEX_DIGITS = frozenset(string.hexdigits)
DIGITS = frozenset(string.digits)
LETTERS = frozenset(string.ascii_letters)
ALNUM = LETTERS | DIGITS


# ---------------------------------------------------------------- the oracle


def reference_end(html, i):
    """End of the character reference starting at html[i] == "&", or None when none starts there."""
    n = len(html)
    j = i + 1
    if j < n and html[j] == "#":
        j += 1
        allowed = DIGITS
        if j < n and html[j] in "xX":
            j += 1
            allowed = HEX_DIGITS
        first = j
        while j < n and html[j] in allowed:
            j += 1
        return j + 1 if j > first and j < n and html[j] == ";" else None
    if j < n and html[j] in LETTERS:
        while j < n and html[j] in ALNUM:
            j += 1
        return j + 1 if j < n and html[j] == ";" else None
    return None


def scan(html):
    """Events (kind, start, end, name): kind is comment, start, end or char (one visible character)."""
    events = []
    i, n = 0, len(html)
    while i < n:
        if html.startswith("<!--", i):
            end = html.index("-->", i + 4) + 3
            events.append(("comment", i, end, None))
        elif html[i] == "<":
            closing = html[i + 1] == "/"
            k = i + (2 if closing else 1)
            first = k
            while html[k] not in " \t\n\r\f/>":
                k += 1
            name = html[first:k].lower()
            quote = None
            while quote is not None or html[k] != ">":
                if quote is None and html[k] in "\"'":
                    quote = html[k]
                elif html[k] == quote:
                    quote = None
                k += 1
            events.append(("end" if closing else "start", i, k + 1, name))
        elif html[i] == "&":
            events.append(("char", i, reference_end(html, i) or i + 1, None))
        else:
            events.append(("char", i, i + 1, None))
        i = events[-1][2]
    return events


def visible_count(html):
    return sum(1 for event in scan(html) if event[0] == "char")


def oracle(html, length, ellipsis="…"):
    events = scan(html)
    chars = [event for event in events if event[0] == "char"]
    if len(chars) <= length:
        return html
    cut = chars[0][1] if length == 0 else chars[length - 1][2]
    stack = []
    for kind, start, _end, name in events:
        if start >= cut:
            break
        if kind == "start" and name not in VOID:
            stack.append(name)
        elif kind == "end":
            stack.pop()
    return html[:cut] + ellipsis + "".join(f"</{name}>" for name in reversed(stack))


def run(driver, html, length, ellipsis=None):
    observed = driver.truncate(html, length, ellipsis)
    assert observed["raised"] is None, f"raised {observed['raised']}: {observed['message']}"
    assert observed["result"] is not None, f"returned a {observed['type']}, not a str"
    return observed["result"]


def check(driver, html, length, ellipsis=None):
    got = run(driver, html, length, ellipsis)
    expected = oracle(html, length, "…" if ellipsis is None else ellipsis)
    assert got == expected, f"truncate_html({html!r}, {length}, {ellipsis!r})"
    return got


# ---------------------------------------------------------------- examples, one rule each


@pytest.mark.weight(2)
def test_prompt_example(driver):
    html = '<p>Caf&eacute; <a href="/menu?a=1&amp;b=2" title="a > b">menu</a> &amp; more</p>'
    assert run(driver, html, 7) == '<p>Caf&eacute; <a href="/menu?a=1&amp;b=2" title="a > b">me…</a></p>'
    assert run(driver, html, 100) == html
    assert run(driver, html, 0, "...") == "<p>...</p>"


def test_plain_text_without_markup(driver):
    assert run(driver, "Hello world", 5) == "Hello…"
    assert run(driver, "Hello world", 5, "...") == "Hello..."
    assert run(driver, "Hello", 5) == "Hello"


@pytest.mark.weight(3)
def test_input_with_at_most_length_visible_characters_is_returned_unchanged(driver):
    for html, length in [
        ("<p>abc</p>", 3),
        ("<p>abc</p>", 4),
        ("<div><!-- a long comment --><b>x</b>&amp;<br></div>", 2),
        ("<p></p>", 0),
        ("", 0),
        ("<!-- only a comment -->", 0),
        ("&#169;&#xA9;&copy;", 3),
    ]:
        assert run(driver, html, length) == html, (html, length)


@pytest.mark.weight(2)
def test_one_character_over_the_length_is_truncated(driver):
    assert run(driver, "<p>abcd</p>", 3) == "<p>abc…</p>"
    assert run(driver, "abcd", 3, "") == "abc"


@pytest.mark.weight(3)
def test_open_elements_are_closed_innermost_first(driver):
    html = "<div><ul><li><em>one two</em></li></ul></div>"
    assert run(driver, html, 3) == "<div><ul><li><em>one…</em></li></ul></div>"


@pytest.mark.weight(2)
def test_closing_tags_use_lower_case_names(driver):
    assert run(driver, '<DIV class="X"><Span>Hello</Span></DIV>', 2) == '<DIV class="X"><Span>He…</span></div>'
    assert run(driver, "<my-Widget>abc</my-Widget>", 1) == "<my-Widget>a…</my-widget>"


@pytest.mark.weight(3)
def test_void_elements_are_never_closed(driver):
    html = '<p>a<br>b<img src="x.png" alt="">c<hr/>d<input type="text" />e<wbr>f</p>'
    assert run(driver, html, 4) == '<p>a<br>b<img src="x.png" alt="">c<hr/>d…</p>'
    assert run(driver, "<p>a<BR>b<Img src=x>c</p>", 2) == "<p>a<BR>b…</p>"
    for name in sorted(VOID):
        check(driver, f"<div><{name}>xy</div>", 1)


@pytest.mark.weight(3)
def test_character_references_count_as_one_character(driver):
    html = "<p>&lt;a&gt; &amp; &#169; &#xA9; &#XA9; &eacute;</p>"
    assert run(driver, html, 3) == "<p>&lt;a&gt;…</p>"
    assert run(driver, html, 9) == "<p>&lt;a&gt; &amp; &#169; &#xA9;…</p>"
    assert run(driver, "&amp;&amp;&amp;", 3) == "&amp;&amp;&amp;"


@pytest.mark.weight(2)
def test_the_cut_never_falls_inside_a_character_reference(driver):
    assert run(driver, "ab&hellip;cd", 3) == "ab&hellip;…"
    assert run(driver, "ab&#8230;cd", 2) == "ab…"
    assert run(driver, "&#x1F600;&#x1F600;", 1) == "&#x1F600;…"


def test_any_letter_name_followed_by_a_semicolon_is_a_reference(driver):
    assert run(driver, "<p>&foo;&x1;&Zz9;abc</p>", 3) == "<p>&foo;&x1;&Zz9;…</p>"


@pytest.mark.weight(3)
def test_an_ampersand_that_starts_no_reference_counts_as_one_character(driver):
    assert run(driver, "AT&T rocks", 4) == "AT&T…"
    assert run(driver, "&amp no semicolon", 2) == "&a…"
    assert run(driver, "&#; &#x; &#12 &1x; &a-b;", 6) == "&#; &#…"
    assert run(driver, "&&amp;&", 2) == "&&amp;…"
    assert run(driver, "&#xg;", 1) == "&…"


@pytest.mark.weight(3)
def test_comments_are_neither_counted_nor_cut(driver):
    html = "<p>ab<!-- <b>not text</b> & stuff -->cd</p>"
    assert run(driver, html, 3) == "<p>ab<!-- <b>not text</b> & stuff -->c…</p>"
    assert run(driver, html, 2) == "<p>ab…</p>"
    assert run(driver, "<!--x-->abc", 0) == "<!--x-->…"


@pytest.mark.weight(3)
def test_markup_after_the_last_kept_character_is_left_out(driver):
    assert run(driver, "<b>ab</b>cd", 2) == "<b>ab…</b>"
    assert run(driver, "<p>ab<br>cd</p>", 2) == "<p>ab…</p>"
    assert run(driver, "<p><i>ab</i><!-- c --><b>cd</b></p>", 2) == "<p><i>ab…</i></p>"


@pytest.mark.weight(3)
def test_length_zero_keeps_the_markup_before_the_first_visible_character(driver):
    assert run(driver, "<p><b>Hi</b></p>", 0) == "<p><b>…</b></p>"
    assert run(driver, '<div><img src="a"><!-- c --><p></p><em>x</em></div>', 0, "") == (
        '<div><img src="a"><!-- c --><p></p><em></em></div>'
    )
    assert run(driver, "x<b>y</b>", 0) == "…"
    assert run(driver, "<p>&amp;b</p>", 0) == "<p>…</p>"


@pytest.mark.weight(2)
def test_attribute_values_may_contain_greater_than_and_ampersands(driver):
    html = """<a title="1 > 0" data-x='&amp; "q" >' href=/p?a=1>link text</a>"""
    assert run(driver, html, 4) == """<a title="1 > 0" data-x='&amp; "q" >' href=/p?a=1>link…</a>"""
    check(driver, '<p\ntitle = "x>y"\n  hidden>abc</p>', 1)


def test_whitespace_and_newlines_are_visible_characters(driver):
    assert run(driver, "<p>a \n\tb</p>", 3) == "<p>a \n…</p>"


def test_non_ascii_characters_count_once(driver):
    assert run(driver, "<b>日本語🙂é</b>", 4) == "<b>日本語🙂…</b>"


@pytest.mark.weight(2)
def test_ellipsis_is_inserted_verbatim_before_the_end_tags(driver):
    assert run(driver, "<p>abc</p>", 1, "") == "<p>a</p>"
    assert run(driver, "<p>abc</p>", 1, "&hellip;") == "<p>a&hellip;</p>"
    assert run(driver, "<p>abc</p>", 1, " <a href='/more'>more</a>") == "<p>a <a href='/more'>more</a></p>"


def test_default_ellipsis_is_the_unicode_horizontal_ellipsis(driver):
    assert run(driver, "abc", 1) == "a\u2026"


@pytest.mark.weight(2)
def test_negative_length_raises_value_error(driver):
    for html in ("abc", "", "<p>x</p>"):
        observed = driver.truncate(html, -1, None)
        assert observed["raised"] == "ValueError", (html, observed)
    assert driver.truncate("abc", -5, "...")["raised"] == "ValueError"


# ---------------------------------------------------------------- the template filter


@pytest.mark.weight(2)
def test_filter_is_registered_and_marks_its_output_safe(driver):
    observed = driver.filter_call("<p>Fish &amp; chips</p>", 6)
    assert observed["registered"] is True, "register.filters has no 'truncate_html'"
    assert observed["raised"] is None
    assert observed["result"] == "<p>Fish &amp;…</p>"
    assert observed["is_safe"] is True


@pytest.mark.weight(3)
def test_filter_output_is_not_escaped_in_a_template(driver):
    html = "<p>Fish &amp; <b>chips</b></p>"
    observed = driver.render(html, 8)
    assert observed["raised"] is None, observed["message"]
    assert observed["output"] == "<p>Fish &amp; <b>c…</b></p>"
    assert driver.render(html, 100)["output"] == html


def test_filter_with_autoescape_off_and_with_safe_input(driver):
    html = "<em>a&lt;b</em> tail"
    assert driver.render(html, 2, autoescape=False)["output"] == "<em>a&lt;…</em>"
    assert driver.render(html, 2, value_is_safe=True)["output"] == "<em>a&lt;…</em>"


# ---------------------------------------------------------------- generated documents

CONTAINERS = ["p", "div", "span", "em", "strong", "a", "ul", "li", "h1", "td", "B", "DIV", "Span", "my-widget", "Em"]
VOIDS = ["br", "hr", "img", "input", "wbr", "meta", "source", "col", "area", "embed", "link", "track", "base"]
VOIDS += ["BR", "Img", "HR"]
NAMED = ["&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&eacute;", "&copy;", "&hellip;", "&AElig;", "&frac12;"]
NUMERIC = ["&#38;", "&#169;", "&#0;", "&#128512;", "&#x26;", "&#X1F600;", "&#xaB;", "&#x0;"]
BARE = ["&", "& ", "&amp", "&#;", "&#x;", "&#12", "&;", "&1x;", "&a-b;", "&&", "&#xg;", "&é;", "&foo", "&#X;"]
TEXT_ALPHABET = "abcXYZ 019\n\t>\"';#=/éß漢🙂-"
ATTR_NAMES = ["class", "title", "href", "data-x", "alt", "disabled", "ID"]

text_runs = st.text(alphabet=TEXT_ALPHABET, min_size=1, max_size=6)
references = st.sampled_from(NAMED + NUMERIC + ["&foo;", "&x1;"])
bare = st.sampled_from(BARE)
comments = (
    st.text(alphabet="ab <>&/p;é=\"'", max_size=8).filter(lambda s: not s.startswith(">")).map(lambda s: f"<!--{s}-->")
)


@st.composite
def attributes(draw):
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(ATTR_NAMES))
        form = draw(st.sampled_from(["bare", "double", "single", "unquoted", "spaced"]))
        separator = draw(st.sampled_from([" ", " ", "\n", "  "]))
        if form == "bare":
            parts.append(separator + name)
        elif form == "double":
            value = draw(st.text(alphabet="ab >&<'=/;é#", max_size=6))
            parts.append(f'{separator}{name}="{value}"')
        elif form == "single":
            value = draw(st.text(alphabet='ab >&<"=/;é#', max_size=6))
            parts.append(f"{separator}{name}='{value}'")
        elif form == "unquoted":
            parts.append(separator + name + "=" + draw(st.text(alphabet="ab1/.", min_size=1, max_size=5)))
        else:
            parts.append(f'{separator}{name} = "{draw(st.text(alphabet="a>b", max_size=3))}"')
    return "".join(parts)


@st.composite
def fragments(draw, depth=0):
    kinds = ["text", "text", "text", "reference", "bare", "void", "comment"]
    if depth < 4:
        kinds += ["element", "element", "element"]
    kind = draw(st.sampled_from(kinds))
    if kind == "text":
        return draw(text_runs)
    if kind == "reference":
        return draw(references)
    if kind == "bare":
        return draw(bare)
    if kind == "comment":
        return draw(comments)
    if kind == "void":
        name = draw(st.sampled_from(VOIDS))
        return f"<{name}{draw(attributes())}{draw(st.sampled_from(['>', '/>', ' />', '>']))}"
    name = draw(st.sampled_from(CONTAINERS))
    children = draw(st.lists(fragments(depth + 1), max_size=4))
    return f"<{name}{draw(attributes())}{draw(st.sampled_from(['>', '>', ' >']))}" + "".join(children) + f"</{name}>"


documents = st.lists(fragments(), min_size=1, max_size=5).map("".join)


@st.composite
def cases(draw):
    html = draw(documents)
    total = visible_count(html)
    if draw(st.integers(0, 4)):
        length = draw(st.integers(0, max(total - 1, 0)))
    else:
        length = draw(st.integers(max(total - 1, 0), total + 2))
    ellipsis = draw(st.sampled_from([None, None, "...", "", "[more]"]))
    return html, length, ellipsis


@pytest.mark.weight(8)
@settings(max_examples=200)
@given(case=cases())
def test_random_documents_match_the_rules(driver, case):
    check(driver, *case)


@pytest.mark.weight(3)
@settings(max_examples=60)
@given(html=documents, extra=st.integers(0, 3))
def test_random_documents_with_enough_room_are_unchanged(driver, html, extra):
    assert run(driver, html, visible_count(html) + extra) == html


@pytest.mark.weight(2)
@settings(max_examples=40)
@given(case=cases())
def test_filter_renders_the_same_result_unescaped(driver, case):
    html, length, _ = case
    observed = driver.render(html, length)
    assert observed["raised"] is None, observed["message"]
    assert observed["output"] == oracle(html, length)


@pytest.mark.weight(2)
@settings(max_examples=30)
@given(html=documents, length=st.integers(-(10**6), -1), ellipsis=st.sampled_from([None, "...", "", "[more]"]))
def test_random_negative_lengths_raise_value_error(driver, html, length, ellipsis):
    observed = driver.truncate(html, length, ellipsis)
    assert observed["raised"] == "ValueError", (html, length, observed)


# ---------------------------------------------------------------- performance


@pytest.mark.weight(2)
def test_long_document_is_truncated_in_linear_time(driver):
    block = '<div class="row"><p>Some <b>bold</b> text &amp; a <a href="/x?a=1&amp;b=2">link</a><br></p></div>'
    html = "<section>" + block * 2500 + "</section>"
    length = visible_count(html) - 50
    observed = timed(driver.truncate, html, length, None, bound_s=3.0)
    assert observed["result"] == oracle(html, length)
