"""Visible examples for truncate-html, through the challenge's driver (which returns plain strings)."""


def test_prompt_example(driver):
    html = '<p>Caf&eacute; <a href="/menu?a=1&amp;b=2" title="a > b">menu</a> &amp; more</p>'
    observed = driver.truncate(html, 7, None)
    assert observed["raised"] is None
    assert observed["result"] == '<p>Caf&eacute; <a href="/menu?a=1&amp;b=2" title="a > b">me…</a></p>'


def test_short_input_unchanged(driver):
    assert driver.truncate("<p>abc</p>", 3, None)["result"] == "<p>abc</p>"


def test_void_elements_and_custom_ellipsis(driver):
    assert driver.truncate("<div>a<br>bc</div>", 2, "...")["result"] == "<div>a<br>b...</div>"


def test_length_zero(driver):
    assert driver.truncate("<p><b>Hi</b></p>", 0, None)["result"] == "<p><b>…</b></p>"


def test_negative_length(driver):
    assert driver.truncate("abc", -1, None)["raised"] == "ValueError"


def test_template_filter(driver):
    observed = driver.render("<p>Fish &amp; <b>chips</b></p>", 8)
    assert observed["raised"] is None, observed["message"]
    assert observed["output"] == "<p>Fish &amp; <b>c…</b></p>"
