"""Tests of portproof.translators.preprocess: gcc -E with system headers removed, line maps, symbolic and integer macros."""
import pytest

from portproof.diagnostics import InputFileError, ParseError
from portproof.ir.nodes import SourceLoc
from portproof.translators.preprocess import integer_macros, preprocess


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def line_of(pp, needle):
    """The source (file, line) of the one output line containing `needle`."""
    hits = [i for i, line in enumerate(pp.text.split("\n"), 1) if needle in line]
    assert len(hits) == 1, hits
    return pp.line_map[hits[0]]


KERNEL = """\
#include <stdio.h>
#include <math.h>
#include "sizes.h"
/* a comment
   over two lines */
#define N 100
#define LONG_ONE \\
    (N + 1)
void k(double *a) {
  a[0] = N + TS + LONG_ONE;
}
"""


def test_system_headers_removed_and_lines_map_back(tmp_path):
    write(tmp_path, "sizes.h", "// sizes\n#define TS 8\nint helper_in_header;\n")
    path = write(tmp_path, "k.c", KERNEL)
    pp = preprocess(path)
    assert "printf" not in pp.text and "a[0] = 100 + 8 + (100 + 1);" in pp.text
    assert line_of(pp, "a[0] =") == (path, 10)
    assert line_of(pp, "helper_in_header") == (str(tmp_path / "sizes.h"), 3)
    assert pp.loc(pp.text.split("\n").index("  a[0] = 100 + 8 + (100 + 1);") + 1, 3) == SourceLoc(path, 10, 3)


def test_linemarkers_use_the_users_paths_and_can_be_blanked(tmp_path):
    write(tmp_path, "sizes.h", "#define TS 8\n")
    path = write(tmp_path, "k.c", KERNEL)
    pp = preprocess(path)
    assert f'# 1 "{path}"' in pp.text and "/tmp/portproof-pp" not in pp.text
    plain = pp.text_without_markers
    assert len(plain.split("\n")) == len(pp.text.split("\n"))
    assert not any(line.startswith("# ") for line in plain.split("\n"))


def test_symbolic_macro_stays_an_identifier(tmp_path):
    write(tmp_path, "sizes.h", "#define TS 8\n")
    path = write(tmp_path, "k.c", KERNEL)
    pp = preprocess(path, symbolic_macros=frozenset({"N", "LONG_ONE"}))
    assert "a[0] = N + 8 + LONG_ONE;" in pp.text
    assert line_of(pp, "a[0] =") == (path, 10)


def test_symbolic_macro_guarded_define_and_ifdef(tmp_path):
    path = write(tmp_path, "k.c", "#ifndef N\n#define N 64\n#endif\n#ifdef N\nint a[N];\n#endif\n")
    assert "int a[N];" in preprocess(path, symbolic_macros=frozenset({"N"})).text


def test_defines_override_guarded_sizes(tmp_path):
    path = write(tmp_path, "k.c", "#ifndef NI\n#define NI 64\n#endif\nint a[NI];\n#ifdef FLAG\nint f[FLAG 1];\n#endif\n")
    assert "int a[64];" in preprocess(path).text
    text = preprocess(path, defines={"NI": 128, "FLAG": None}).text
    assert "int a[128];" in text and "int f[ 1];" in text


def test_include_dirs_resolve_quoted_and_angled_user_headers(tmp_path):
    inc = tmp_path / "inc"
    inc.mkdir()
    write(inc, "polybench.h", "#define PB 1\n")
    write(inc, "gemm.h", "#define NI 32\n")
    path = write(tmp_path, "k.c", "#include <polybench.h>\n#include \"gemm.h\"\nint a[NI + PB];\n")
    assert "int a[32 + 1];" in preprocess(path, include_dirs=[str(inc)]).text


def test_missing_local_include_is_an_input_error(tmp_path):
    path = write(tmp_path, "k.c", "int x;\n#include \"nothere.h\"\n")
    with pytest.raises(InputFileError) as e:
        preprocess(path)
    assert e.value.loc.file == path and e.value.loc.line == 2
    assert "nothere.h" in e.value.message


@pytest.mark.parametrize("text, line, words", [
    ("int x;\n#error stop here\n", 2, "stop here"),
    ("#if 1\nint x;\n", 1, "unterminated"),
])
def test_preprocessor_errors_are_parse_errors(tmp_path, text, line, words):
    path = write(tmp_path, "k.c", text)
    with pytest.raises(ParseError) as e:
        preprocess(path)
    assert (e.value.loc.file, e.value.loc.line) == (path, line) and words in e.value.message


def test_empty_binary_and_missing_files(tmp_path):
    with pytest.raises(InputFileError, match="empty"):
        preprocess(write(tmp_path, "e.c", "  \n"))
    garbage = tmp_path / "g.c"
    garbage.write_bytes(b"int x;\n\x00\xff\xfe\x13")
    with pytest.raises(InputFileError, match="not a text file") as e:
        preprocess(str(garbage))
    assert e.value.loc == SourceLoc(str(garbage), 2)
    with pytest.raises(InputFileError, match="cannot read"):
        preprocess(str(tmp_path / "absent.c"))


def test_cplusplus_mode_keeps_cuda_text(tmp_path):
    path = write(tmp_path, "k.cu", "#include <cuda_runtime.h>\n#define B 256\n"
                                   "template <int T> __global__ void k(float *x) { x[0] = B + M_PI; }\n")
    pp = preprocess(path, language="cuda")
    assert "__global__ void k(float *x) { x[0] = 256 + 3.14159265358979323846; }" in pp.text
    assert "typedef" not in pp.text  # the C prelude's typedefs are for the C parser only


MACROS = """\
#include <stdlib.h>
#include "more.h"
#define N 4096
#define M (N/2)
#define STR "x"
#define SQ(x) ((x) * (x))
#define HALF 0.5
#define EMPTY
#define BIG (INT_MAX / 2)
#define HEX 0x10UL
#define GONE 3
#undef GONE
#define NEG (-M % 5)
"""


def test_integer_macros(tmp_path):
    write(tmp_path, "more.h", "#define TS (M / 64)\n")
    path = write(tmp_path, "k.c", MACROS)
    assert integer_macros(path) == {"TS": 32, "N": 4096, "M": 2048, "BIG": 1073741823, "HEX": 16, "NEG": -3}


def test_integer_macros_with_defines(tmp_path):
    path = write(tmp_path, "k.c", "#ifndef N\n#define N 4096\n#endif\n#define M (N/2)\n")
    assert integer_macros(path, defines={"N": 100, "EXTRA": "7*6", "FLAG": None}) == \
        {"N": 100, "EXTRA": 42, "M": 50}
