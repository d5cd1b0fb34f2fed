"""extract_code: the last fenced block in an accepted language, else the whole text."""
from hypothesis import given, strategies as st

from portproof.translators.extract import extract_code

# code lines that never look like a fence: no line starts with three backticks or tildes
code_line = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=30).filter(
    lambda s: not s.lstrip(" ").startswith(("```", "~~~")))
code = st.lists(code_line, min_size=1, max_size=8).map(lambda lines: "\n".join(lines) + "\n")
prose = st.lists(st.sampled_from(["Here is the port:", "It uses one thread per element.", "", "Done."]),
                 max_size=3).map(lambda lines: "\n".join(lines))
info = st.sampled_from(["cuda", "cpp", "c++", "cu", "", "CUDA", "cuda title=\"saxpy.cu\"", "c"])


def fenced(body: str, language: str, fence: str = "```") -> str:
    return f"{fence}{language}\n{body}{fence}\n"


@given(prose, code, info, prose)
def test_one_fence_with_any_info_string(before, body, language, after):
    assert extract_code(f"{before}\n{fenced(body, language)}{after}") == body


@given(st.lists(code, min_size=2, max_size=4), info)
def test_the_last_fence_wins(bodies, language):
    text = "\n".join(fenced(b, language) for b in bodies)
    assert extract_code(text) == bodies[-1]


@given(code, code)
def test_a_fence_in_another_language_is_skipped(wanted, other):
    text = fenced(wanted, "cuda") + "and a test:\n" + fenced(other, "python")
    assert extract_code(text) == wanted


@given(code)
def test_no_fence_gives_the_whole_text(body):
    assert extract_code(body) == body


@given(prose, code, info)
def test_crlf_line_endings(before, body, language):
    text = f"{before}\n{fenced(body, language)}".replace("\n", "\r\n")
    assert extract_code(text) == body


@given(code)
def test_backticks_inside_code(body):
    inner = 'const char *s = "```";\nprintf("``%d``", x); // ```cuda\n' + body
    assert extract_code(fenced(inner, "cuda", "````")) == inner
    assert extract_code("text with ``` inline\n" + fenced(inner, "cu", "~~~")) == inner


@given(code)
def test_unclosed_fence_runs_to_the_end(body):
    assert extract_code("Here:\n```cuda\n" + body) == body + "\n"


def test_only_accepted_languages():
    text = fenced("int x;\n", "cuda") + fenced("y = 1\n", "python")
    assert extract_code(text, languages=("python",)) == "y = 1\n"
    assert extract_code("```python\ny = 1\n```\n") == "```python\ny = 1\n```\n"


def test_indented_fence_is_dedented():
    assert extract_code("  ```cuda\n  int x;\n    y;\n  ```\n") == "int x;\n  y;\n"


def test_empty():
    assert extract_code("") == ""
    assert extract_code("```cuda\n```") == ""
