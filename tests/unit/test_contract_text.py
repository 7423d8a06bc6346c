"""The accepted text as blocks: structure, numbering, tables, markers, direction, merged values."""

from __future__ import annotations

from typing import Any

from clickproof.evidence.contract_text import contract_blocks, merge_values
from clickproof.evidence.display_text import MAX_DISPLAY_CHARS

BODY = (
    "<h1>Terms</h1><p>Between {{CompanyName}} and you, plan {{ plan }}.</p>"
    "<ul><li>One &amp; two</li></ul><p>{{missing}}</p>"
)
FSI, PDI = "\u2068", "\u2069"


def blocks(body: str, **render_data: Any) -> list[dict[str, Any]]:
    return contract_blocks(body, merge_values(body, render_data))


def plain(block: dict[str, Any]) -> str:
    """A paragraph's text, line breaks as \\n."""
    return "".join("\n" if "br" in r else r["s"] for r in block["runs"])


def test_merge_fields_are_filled_isolated_and_markup_in_values_is_text() -> None:
    values = merge_values(BODY, {"CompanyName": "<b>Acme</b>", "plan": "pro", "unused": 1})
    assert values == {"CompanyName": "<b>Acme</b>", "missing": None, "plan": "pro"}
    out = contract_blocks(BODY, values)
    assert [(b["k"], b.get("level")) for b in out] == [("p", 1), ("p", 0), ("list", None), ("p", 0)]
    assert plain(out[0]) == "Terms" and out[0]["runs"][0]["f"] == "b"
    assert plain(out[1]) == f"Between {FSI}<b>Acme</b>{PDI} and you, plan {FSI}pro{PDI}."
    assert out[2]["items"][0]["label"] == "•"
    assert plain(out[2]["items"][0]["blocks"][0]) == "One & two"
    assert plain(out[3]) == "[missing: not provided]"


def test_values_are_sanitized_like_certificate_values() -> None:
    assert merge_values("{{x}}", {"x": "a\u202eb"}) == {"x": "a⟨U+202E⟩b"}


def test_a_long_value_is_never_cut_and_its_white_space_collapses_as_shown() -> None:
    value = "word " * (MAX_DISPLAY_CHARS // 2) + "THE-END"
    (paragraph,) = blocks("<p>{{v}}</p>", v=value.replace(" ", " \n\t"))
    text = plain(paragraph).replace("\u200b", "")
    assert text == f"{FSI}{value}{PDI}"
    assert "truncated" not in text


def test_inline_styles_line_breaks_links_and_images() -> None:
    body = (
        "<p><b>bold</b> <i>it</i> <u>under</u> <s>gone</s> <del>old</del> <code>x()</code> m<sup>2</sup>"
        'H<sub>2</sub>O<br>next line <a href="https://t.example/{{path}}">terms</a>'
        '<img src="logo.png" alt="Acme logo"><img src="x.gif"></p>'
    )
    (p,) = blocks(body, path="a")
    flags = {r["s"].strip(): r["f"] for r in p["runs"] if "s" in r and r["s"].strip()}
    assert flags["bold"] == "b" and flags["it"] == "i" and flags["under"] == "u"
    assert flags["gone"] == "x" and flags["old"] == "x" and flags["x()"] == "m"
    assert flags["2"] in ("^", "_") and {r["f"] for r in p["runs"] if r.get("s") == "2"} == {"^", "_"}
    assert plain(p).split("\n")[0].endswith("O")  # the <br> is a line break
    assert f"terms [link: {FSI}https://t.example/{FSI}a{PDI}{PDI}]" in plain(p)
    assert f"[image: “{FSI}Acme logo{PDI}”; source: {FSI}logo.png{PDI}]" in plain(p)
    assert f"[image: no alt text; source: {FSI}x.gif{PDI}]" in plain(p)


def test_ordered_lists_keep_start_type_value_reversed_and_nesting() -> None:
    body = (
        '<ol start="3" type="a"><li>c<ol type="I"><li>one<li>two</ol><li>d<li value="10">j</ol>'
        "<ol reversed><li>three<li>two<li>one</ol><ul><li>x<ul><li>y</ul></ul>"
    )
    lettered, countdown, bullets = blocks(body)
    assert [i["label"] for i in lettered["items"]] == ["c.", "d.", "j."]
    nested = lettered["items"][0]["blocks"][1]
    assert [i["label"] for i in nested["items"]] == ["I.", "II."]
    assert [i["label"] for i in countdown["items"]] == ["3.", "2.", "1."]
    assert bullets["items"][0]["label"] == "•"
    assert bullets["items"][0]["blocks"][1]["items"][0]["label"] == "◦"


def test_tables_place_cells_at_their_row_and_column() -> None:
    body = (
        "<table><caption>Fees</caption><thead><tr><th>Plan<th>Price<th>Term</thead>"
        '<tbody><tr><td rowspan="2">Basic<td>EUR 9<td>month<tr><td colspan="2">EUR 90 a year'
        "<tr><td>Pro<td>EUR 99</table>"
    )
    caption, table = blocks(body)
    assert plain(caption) == "Fees"
    assert table["k"] == "table" and table["columns"] == 3 and table["rows"] == 4
    placed = {
        (c["x"], c["y"]): (plain(c["blocks"][0]), c["header"], c["colspan"], c["rowspan"])
        for c in table["cells"]
    }
    assert placed == {
        (0, 0): ("Plan", True, 1, 1),
        (1, 0): ("Price", True, 1, 1),
        (2, 0): ("Term", True, 1, 1),
        (0, 1): ("Basic", False, 1, 2),
        (1, 1): ("EUR 9", False, 1, 1),
        (2, 1): ("month", False, 1, 1),
        (1, 2): ("EUR 90 a year", False, 2, 1),
        (0, 3): ("Pro", False, 1, 1),
        (1, 3): ("EUR 99", False, 1, 1),
    }


def test_quotes_preformatted_text_definitions_and_rules() -> None:
    body = "<blockquote>said</blockquote><pre>\n a  b\n\tc</pre><dl><dt>Term<dd>Meaning</dl><hr>"
    quote, pre, term, meaning, rule = blocks(body)
    assert quote["k"] == "quote" and plain(quote["blocks"][0]) == "said"
    assert pre == {"k": "pre", "text": " a  b\n    c"}
    assert plain(term) == "Term" and term["runs"][0]["f"] == "b"
    assert meaning["k"] == "indent" and plain(meaning["blocks"][0]) == "Meaning"
    assert rule == {"k": "rule"}


def test_what_is_not_rendered_is_a_visible_marker() -> None:
    body = '<p>a<script>steal()</script><video src="v.mp4"></video><input type="checkbox">b</p><style>p{}</style>'
    first, second = blocks(body)
    markers = [r["s"] for r in first["runs"] if "k" in r.get("f", "")]
    assert markers == [
        "[not rendered here: <script> element; see the attached HTML]",
        f"[not rendered here: <video> element, source {FSI}v.mp4{PDI}; see the attached HTML]",
        "[not rendered here: <input> element; see the attached HTML]",
    ]
    assert "steal" not in plain(first)
    assert plain(second) == "[not rendered here: <style> element; see the attached HTML]"


def test_direction_from_dir_attribute_or_first_strong_character_outside_isolates() -> None:
    body = (
        "<p>שלום {{name}}.</p><p>{{name}} שלום</p><p>Hello שלום</p><p dir=rtl>Hello</p>"
        '<div dir="rtl"><p>inherited</p></div><p>123 .</p>'
    )
    directions = [b["dir"] for b in blocks(body, name="Acme Corp")]
    assert directions == ["rtl", "rtl", "ltr", "rtl", "rtl", "ltr"]


def test_body_controls_are_markers_and_deep_nesting_is_shown_flat() -> None:
    (p,) = blocks("<p>a\u202eb</p>")
    assert plain(p) == "a⟨U+202E⟩b"
    deep = "<blockquote>" * 40 + "core" + "</blockquote>" * 40
    out = blocks(deep)

    def texts(bs: list[dict[str, Any]]) -> str:
        return " ".join(plain(b) if b["k"] == "p" else texts(b.get("blocks", [])) for b in bs)

    assert "core" in texts(out) and "nested deeper than" in texts(out)


def test_spans_that_would_overlap_stop_at_the_cell_already_there() -> None:
    body = '<table><tr><td>a<td rowspan="2">b<tr><td colspan="3">c<tr><td>d<td rowspan="5">e</table>'
    (table,) = blocks(body)
    cells = {(c["x"], c["y"]): (c["colspan"], c["rowspan"]) for c in table["cells"]}
    assert cells == {(0, 0): (1, 1), (1, 0): (1, 2), (0, 1): (1, 1), (0, 2): (1, 1), (1, 2): (1, 1)}


def test_ordinals_follow_html_list_types() -> None:
    from clickproof.evidence.list_numbering import ordinal

    assert [ordinal(n, "a") for n in (1, 26, 27, 702, 703)] == ["a", "z", "aa", "zz", "aaa"]
    assert [ordinal(n, "I") for n in (4, 9, 14, 1994, 3999)] == ["IV", "IX", "XIV", "MCMXCIV", "MMMCMXCIX"]
    assert [ordinal(n, "i") for n in (0, 4000)] == ["0", "4000"]  # outside roman numerals: decimal
    assert ordinal(-2, "A") == "-2" and ordinal(7, "1") == "7"
