"""`newscrawl export` as a user runs it: CSV, JSON and JSON Lines read back with the standard library
(and pandas when installed) give the rows and values SQLite holds, Chinese intact."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from newscrawl.items import ARTICLE_FIELDS
from tests.conftest import query, run_newscrawl
from tests.samples_export import save, tricky_articles, url

LIST_COLUMNS = ("authors", "trainee_authors", "correspondents", "images", "related")
NAME_LISTS = ("authors", "trainee_authors", "correspondents")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "articles.db"
    save(path, tricky_articles())
    return path


def sqlite_rows(db: Path) -> dict[str, dict[str, Any]]:
    """The articles as SQLite holds them (read with sqlite3, not with the code under test)."""
    rows = {}
    for row in query(db, f"SELECT {', '.join(ARTICLE_FIELDS)} FROM articles"):
        record = dict(row)
        for name in LIST_COLUMNS:
            record[name] = json.loads(record[name])
        rows[record["canonical_url"]] = record
    return rows


def export(db: Path, *args: str) -> str:
    proc = run_newscrawl("export", "--db", str(db), *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_jsonl_round_trip(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    export(db, "-o", str(out))  # format from the suffix
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [list(r) for r in records] == [list(ARTICLE_FIELDS)] * 4
    assert {r["canonical_url"]: r for r in records} == sqlite_rows(db)
    text = out.read_text(encoding="utf-8")
    assert "長沙警方破獲電信詐騙案" in text and "\\u" not in text


def test_json_round_trip_and_order(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    export(db, "--format", "json", "-o", str(out))
    records = json.loads(out.read_text(encoding="utf-8"))
    assert {r["canonical_url"]: r for r in records} == sqlite_rows(db)
    # The documented order: site, then publication time (undated first), then URL.
    assert [r["canonical_url"] for r in records] == [
        url("hnfz", 1),
        url("hnfz", 2),
        url("twnews", 4),
        url("twnews", 3),
    ]
    assert records[1]["trainee_authors"] == ["刘二"] and records[2]["published_at"] is None


def test_csv_round_trip(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    export(db, "-o", str(out))
    with out.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == ARTICLE_FIELDS
        got = {r["canonical_url"]: r for r in reader}
    want = sqlite_rows(db)
    assert set(got) == set(want)
    for key, row in want.items():
        for name, value in row.items():
            cell = got[key][name]
            if name in NAME_LISTS:
                assert (cell.split(";") if cell else []) == value, (key, name)
            elif name in ("images", "related"):
                assert (json.loads(cell) if cell else []) == value, (key, name)
            elif value is None:
                assert cell == "", (key, name)
            else:
                assert cell == str(value), (key, name)
    first = got[url("hnfz", 1)]
    assert first["correspondents"] == "李静;王芳"
    assert json.loads(first["images"])[1] == {"url": None, "caption": "被告人当庭认罪", "credit": None}
    assert first["body"].count("\n") == 2 and '"我只是打工的"' in first["body"]


def test_excel_csv_has_a_bom_and_no_live_formulas(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    export(db, "--excel", "-o", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfurl,canonical_url,")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["canonical_url"]: r for r in csv.DictReader(fh)}
    row = rows[url("hnfz", 2)]
    assert row["title"] == '\'=HYPERLINK("http://127.0.0.1:9/x","点击查看")'
    assert row["body"] == "'+86 热线电话公布。\n-这一行以减号开头\n@所有人 注意防范。"
    assert row["story_similarity"] == "1.0"  # numbers are not text: left alone
    assert rows[url("twnews", 3)]["title"] == "長沙警方破獲電信詐騙案"
    # Without --excel the same cells are written as they are.
    plain = tmp_path / "b.csv"
    export(db, "-o", str(plain))
    with plain.open(encoding="utf-8", newline="") as fh:
        assert next(r for r in csv.DictReader(fh) if r["canonical_url"] == url("hnfz", 2))["title"][0] == "="


def test_pandas_reads_the_exports(db: Path, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas", reason="pandas is optional; the standard-library tests cover the rest")
    export(db, "-o", str(tmp_path / "a.csv"))
    export(db, "-o", str(tmp_path / "a.jsonl"))
    export(db, "--excel", "-o", str(tmp_path / "x.csv"))
    want = sqlite_rows(db)
    frame = pd.read_csv(tmp_path / "a.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(ARTICLE_FIELDS)
    assert dict(zip(frame["canonical_url"], frame["title"], strict=True)) == {
        k: v["title"] for k, v in want.items()
    }
    lines = pd.read_json(tmp_path / "a.jsonl", lines=True, dtype=False)
    assert {r["canonical_url"]: r["authors"] for r in lines.to_dict("records")} == {
        k: v["authors"] for k, v in want.items()
    }
    excel = pd.read_csv(tmp_path / "x.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(excel.columns) == list(ARTICLE_FIELDS)


def test_stdout_is_the_default_output(db: Path) -> None:
    out = export(db, "--format", "jsonl")
    assert len(out.splitlines()) == 4
    assert json.loads(out.splitlines()[0])["title"] == "某区法院审结一起“套路贷”诈骗案，涉案金额逾千万"


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (("--site", "twnews"), [url("twnews", 4), url("twnews", 3)]),
        (
            ("--site", "twnews", "--site", "hnfz"),
            [url("hnfz", 1), url("hnfz", 2), url("twnews", 4), url("twnews", 3)],
        ),
        (("--since", "2024-03-16"), [url("hnfz", 2), url("twnews", 3)]),
        (("--until", "2024-03-16"), [url("hnfz", 1), url("hnfz", 2)]),
        (("--since", "2024-03", "--until", "2024-03"), [url("hnfz", 1), url("hnfz", 2)]),
        (("--until", "2024-03-15T09:30"), [url("hnfz", 1)]),
        (("--query", "诈骗"), [url("hnfz", 1), url("twnews", 3)]),
        (("--query", "詐騙", "--site", "twnews"), [url("twnews", 3)]),
        (("--query", "热线电话"), [url("hnfz", 2)]),
        (("--query", "没有这个词"), []),
    ],
)
def test_filters(db: Path, args: tuple[str, ...], want: list[str]) -> None:
    out = export(db, "--format", "jsonl", *args)
    assert [json.loads(line)["canonical_url"] for line in out.splitlines()] == want


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "March"), "expected a date"),
        (("--until", "2024-02-30"), "not a valid date"),
        (("--query", "  "), "nothing to search for"),
        (("--excel", "--format", "json"), "--excel writes CSV"),
    ],
)
def test_bad_arguments_are_usage_errors(
    db: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "keep.csv"
    out.write_text("previous export\n", encoding="utf-8")
    proc = run_newscrawl("export", "--db", str(db), "-o", str(out), *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert out.read_text(encoding="utf-8") == "previous export\n"
    assert not list(tmp_path.glob("*.part"))


def test_a_missing_database_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    proc = run_newscrawl("export", "--db", str(tmp_path / "nothing.db"))
    assert proc.returncode == 1
    assert "no database" in proc.stderr
    assert not (tmp_path / "nothing.db").exists()


def test_an_empty_database_exports_headers_or_an_empty_array(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    save(db, [])
    assert export(db, "--format", "json") == "[]\n"
    assert export(db, "--format", "jsonl") == ""
    assert export(db, "--format", "csv").splitlines() == [",".join(ARTICLE_FIELDS)]
