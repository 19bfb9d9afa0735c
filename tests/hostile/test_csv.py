"""`fwpulse import` of generated CSV files with malformed lines: every bad line named, nothing merged or written."""

from __future__ import annotations

import random

import pytest

from tests.hostile.conftest import invoke

RNG = random.Random(1604)
HEADER = "framework,metric,value,as_of,source_url,note"
FRAMEWORKS = ["PyTorch", "tensorflow", "keras", "jax"]


def good_line(i: int) -> str:
    return f"{RNG.choice(FRAMEWORKS)},hostile_metric_{i},{RNG.randint(1, 10**6)},2024-01-{1 + i % 28:02d},https://example.org/{i},note {i}"


DEFECTS = {
    "unterminated quote": lambda i: good_line(i).rsplit(",", 1)[0] + ',"never closed',
    "stray quote": lambda i: good_line(i).replace("note", 'no"te', 1).replace(",no", ',"x"no', 1),
    "extra field": lambda i: good_line(i) + ",surplus",
    "missing field": lambda i: ",".join(good_line(i).split(",")[:4]),
    "unquoted comma": lambda i: good_line(i).replace("https://", "https://a,b/", 1) + ",x",
    "NUL": lambda i: good_line(i).replace("note", "no\x00te"),
    "bad value": lambda i: (
        good_line(i).replace(",2024", ",1e400,2024", 1).replace(f"{good_line(i).split(',')[2]},", "", 1)
    ),
    "bad framework and date": lambda i: f"Flask,m{i},1,2024-02-30,https://example.org/x,",
}


def _files(n: int) -> list[tuple[str, list[str], set[int]]]:
    out = []
    for k in range(n):
        lines = [good_line(i) for i in range(RNG.randint(3, 9))]
        bad_lines: set[int] = set()
        for _ in range(RNG.randint(1, 3)):
            pos = RNG.randrange(len(lines))
            kind = RNG.choice(sorted(DEFECTS))
            lines[pos] = DEFECTS[kind](100 + k * 10 + pos)
            bad_lines.add(pos + 2)  # line numbers: the header is line 1
        out.append((f"case{k}", lines, bad_lines))
    return out


CASES = _files(30)


@pytest.mark.parametrize("name,lines,bad", CASES, ids=[c[0] for c in CASES])
def test_malformed_lines_are_named_and_nothing_is_written(hostile_db, tmp_path, name, lines, bad):
    f = tmp_path / "figures.csv"
    f.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    out = invoke("import", str(f))
    assert out.code == 2, (lines, out)
    line = out.one_line()
    assert f"{len(bad)} bad row(s), nothing imported" in line, (lines, line)
    for number in bad:
        assert f"line {number}:" in line, (number, line)


def test_issue_case_unterminated_quote_swallows_nothing(hostile_db, tmp_path):
    """The issue's 6-row file: before, '4 new rows' and exit 0; the quote swallowed two figures."""
    rows = [good_line(i) for i in range(6)]
    rows[2] = rows[2].rsplit(",", 1)[0] + ',"said so in the keynote'
    f = tmp_path / "six.csv"
    f.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    out = invoke("import", str(f))
    assert out.code == 2
    line = out.one_line()
    assert "1 bad row(s)" in line and "line 4:" in line and "unterminated" in line


def test_every_problem_of_a_line_is_listed(hostile_db, tmp_path):
    f = tmp_path / "many.csv"
    f.write_text(f"{HEADER}\nFlask,bad metric,lots,2020-13-01,ftp://x,\n", encoding="utf-8")
    line = invoke("import", str(f)).one_line()
    for fragment in ("framework 'Flask'", "metric 'bad metric'", "value 'lots'", "as_of '2020-13-01'", "source_url"):
        assert fragment in line
