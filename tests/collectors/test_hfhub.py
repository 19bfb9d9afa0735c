"""hfhub collector against a fake Hugging Face Hub on 127.0.0.1: through `fwpulse refresh` and collect()."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from urllib.parse import parse_qsl

import duckdb
import pytest

from fakes.hfhub import BERT, SD21, FakeHub, generated_models, iso
from fwpulse.collectors import hfhub
from fwpulse.collectors.base import CollectContext
from fwpulse.collectors.errors import FatalSourceError, RetriableError
from fwpulse.collectors.hfhub_fetch import EXPAND
from fwpulse.collectors.http import HttpClient
from fwpulse.data.registry import parse_registry
from fwpulse.data.settings import Settings

TOKEN = "hf_SECRETtoken0123456789abcdefXYZ"
CACHED = "hf_CACHEDtoken_never_sent_42"
FRAMEWORKS = {"pytorch": ["pytorch"], "tensorflow": ["tf"], "keras": ["keras", "tf-keras"], "jax": ["jax", "flax"]}
TOML = "".join(f'[frameworks.{k}]\nname = "{k}"\nhf_tags = {json.dumps(v)}\n\n' for k, v in FRAMEWORKS.items())
TOML += '[frameworks.theano]\nname = "Theano"\n'  # no hf_tags: not collected
NOW = dt.datetime(2026, 3, 10, 12, 0)
SITE, UNTAGGED, FW = (
    "hfhub.models_created_monthly_site",
    "hfhub.models_untagged_monthly",
    "hfhub.models_created_monthly",
)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _months_ago(n: int) -> dt.date:
    today = _today()
    m = today.year * 12 + today.month - 1 - n
    return dt.date(m // 12, m % 12 + 1, 1)


def _config(tmp_path, cap: int, size: int) -> str:
    path = tmp_path / "frameworks.toml"
    path.write_text(TOML + f"\n[sources.hfhub]\nmax_requests = {cap}\npage_size = {size}\n")
    return str(path)


def expected(records: list[dict], last: dt.date, frameworks=FRAMEWORKS) -> dict[tuple, float]:
    """Counted straight from the fake's records: every month from the oldest record through ``last``."""
    universe = {t for tags in frameworks.values() for t in tags}
    out = {}
    first = min(r["createdAt"][:7] for r in records)
    year, month = int(first[:4]), int(first[5:7])
    while (year, month) <= (last.year, last.month):
        day, key = dt.date(year, month, 1), f"{year:04d}-{month:02d}"
        recs = [set(r["tags"]) for r in records if r["createdAt"][:7] == key]
        out[("_all", SITE, day)] = float(len(recs))
        out[("_all", UNTAGGED, day)] = float(sum(1 for tags in recs if not tags & universe))
        for fid, fw_tags in frameworks.items():
            out[(fid, FW, day)] = float(sum(1 for tags in recs if tags & set(fw_tags)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def stored(db) -> dict[tuple, tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT framework, metric, date, value, quality, details, method, source, source_url "
            "FROM metric_values WHERE metric LIKE 'hfhub.%'"
        ).fetchall()
    finally:
        con.close()
    return {
        (f, m, d): (v, q, json.loads(det) if det else None, meth, src, url)
        for f, m, d, v, q, det, meth, src, url in rows
    }


def values(db) -> dict[tuple, float]:
    return {k: v[0] for k, v in stored(db).items()}


def db_dump(db) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return " ".join(
            str(con.execute(f"SELECT string_agg(CAST(t AS VARCHAR), ' ') FROM {table} t").fetchone()[0])
            for table in ("observations", "runs", "source_state")
        )
    finally:
        con.close()


def state_of(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT key, value FROM source_state WHERE source = 'hfhub'").fetchall()
    finally:
        con.close()
    return {k: json.loads(v) for k, v in rows}


def cli(db, config, fake, tmp_path, token=None, verbose=False) -> subprocess.CompletedProcess:
    """`fwpulse refresh --source hfhub --backfill` in a real process; HF_HOME holds a cached token that must never be sent."""
    home = tmp_path / "hf_home"
    home.mkdir(exist_ok=True)
    (home / "token").write_text(CACHED)
    env = {
        **os.environ,
        "FWPULSE_DB": str(db),
        "FWPULSE_CONFIG": config,
        "FWPULSE_HF_URL": fake.base,
        "HF_HOME": str(home),
    }
    env.pop("HF_TOKEN", None)
    if token:
        env["HF_TOKEN"] = token
    args = [sys.executable, "-m", "fwpulse", *(["-v"] if verbose else []), "refresh", "--source", "hfhub", "--backfill"]
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)


def _queries(fake, start: int = 0) -> list[list[tuple[str, str]]]:
    return [entry["query"] for entry in fake.log[start:]]


def _summary(proc) -> list[str]:
    return [line for line in proc.stdout.splitlines() if line.startswith("hfhub:")]


# -- through the CLI ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_backfill_stores_every_month_exactly(empty_db, tmp_path):
    today = _today()
    records = generated_models(dt.date(2019, 1, 1), today) + [BERT, SD21]
    with FakeHub(records) as fake:
        proc = cli(empty_db, _config(tmp_path, 400, 50), fake, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(_summary(proc)) == 1 and _summary(proc)[0].startswith("hfhub: ok")
    rows = stored(empty_db)
    assert {k: v[0] for k, v in rows.items()} == expected(records, today)
    # the request huggingface_hub's list_models sends: sort, limit, repeated expand, no direction, no token
    first = _queries(fake)[0]
    assert first == [("sort", "createdAt"), ("limit", "50"), *(("expand", e) for e in EXPAND)]
    assert all(dict(q).get("cursor") for q in _queries(fake, 1)) and len(fake.log) == -(-len(records) // 50)
    assert all("authorization" not in e["headers"] for e in fake.log)  # no HF_TOKEN: the cached token is not sent
    # the pitfall models: SD-2.1 (diffusers + safetensors) is untagged, BERT counts for pytorch, tf and jax
    dec22, mar22 = dt.date(2022, 12, 1), dt.date(2022, 3, 1)
    no_sd = expected([r for r in records if r is not SD21], today)
    assert rows[("_all", UNTAGGED, dec22)][0] == no_sd[("_all", UNTAGGED, dec22)] + 1
    no_bert = expected([r for r in records if r is not BERT], today)
    for fid in FRAMEWORKS:
        assert rows[(fid, FW, mar22)][0] == no_bert[(fid, FW, mar22)] + (fid != "keras")
    # provenance: source, method naming the tags, details, the running month partial
    value, quality, details, method, source, url = rows[("keras", FW, dt.date(2024, 5, 1))]
    assert source == "Hugging Face Hub" and quality == "ok" and details["tags"] == ["keras", "tf-keras"]
    assert "sorted by createdAt" in method and "keras, tf-keras" in method and "still public" in method
    assert "deleted or private" in details["note"] and url == f"{fake.base}/api/models?sort=createdAt" + "".join(
        f"&expand={e}" for e in EXPAND
    )
    assert "tag pytorch," in rows[("pytorch", FW, dt.date(2024, 5, 1))][3]
    assert rows[("_all", UNTAGGED, dec22)][2]["tags_absent"] == ["flax", "jax", "keras", "pytorch", "tf", "tf-keras"]
    running = today.replace(day=1)
    partial = {k for k, v in rows.items() if v[1] == "partial_period"}
    assert partial == {k for k in rows if k[2] == running} and len(partial) == 6
    assert rows[("_all", SITE, running)][2]["reason"] == "current month, still counting"
    assert rows[("_all", SITE, running)][2]["period_end"] == today.isoformat()
    assert not state_of(empty_db)["scan"] and TOKEN not in json.dumps(state_of(empty_db))


@pytest.mark.slow
def test_capped_backfill_resumes_across_runs_without_gaps_or_double_counts(empty_db, tmp_path):
    today = _today()
    records = generated_models(_months_ago(8), today) + [SD21]
    pages = -(-len(records) // 3)
    config = _config(tmp_path, 2, 3)
    with FakeHub(records) as fake:
        for run in range(1, 20):
            before = len(fake.log)
            proc = cli(empty_db, config, fake, tmp_path)
            assert proc.returncode == 0, proc.stdout + proc.stderr  # a cap is not a failure
            assert len(fake.log) - before <= 2
            want = expected(records, today)
            # only months complete in the pages read so far are stored, each exactly
            assert all(v == want[k] for k, v in values(empty_db).items()), run
            if not state_of(empty_db)["scan"]:
                break
        cursors = [dict(q).get("cursor") for q in _queries(fake)]
    assert run == -(-pages // 2) and len(fake.log) == pages  # every page once, none again
    assert len(set(cursors)) == len(cursors) and cursors[0] is None
    assert values(empty_db) == expected(records, today)


@pytest.mark.slow
def test_a_later_run_reads_only_the_new_pages_and_updates_the_running_month(empty_db, tmp_path):
    today = _today()
    records = generated_models(_months_ago(12), today) + [SD21]
    config = _config(tmp_path, 50, 3)
    with FakeHub(records) as fake:
        assert cli(empty_db, config, fake, tmp_path).returncode == 0
        head = max(records, key=lambda r: (r["createdAt"], r["_id"]))
        late = dt.datetime(today.year, today.month, today.day, 23, 59, 0)
        new = [
            {"_id": f"{0x7F0000000000000000000000 + i:024x}", "id": f"new/m{i}", "tags": tags, "library_name": None}
            | {"createdAt": iso(late + dt.timedelta(seconds=i))}
            for i, tags in enumerate([["pytorch"], ["tf", "jax"], ["safetensors"]])
        ] + [
            {**head, "_id": "7f" + head["_id"][2:], "id": "new/same-second", "tags": ["keras"]}
        ]  # same second as the head
        fake.add(new)
        start = len(fake.log)
        proc = cli(empty_db, config, fake, tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        second_run = _queries(fake, start)
    assert len(second_run) == 2 and "cursor" not in dict(second_run[0]) and "cursor" in dict(second_run[1])
    assert values(empty_db) == expected(records + new, today)
    running = today.replace(day=1)
    assert stored(empty_db)[("_all", SITE, running)][1] == "partial_period"


@pytest.mark.slow
def test_429_mid_backfill_keeps_the_pages_says_one_line_exits_1_and_the_next_run_resumes(empty_db, tmp_path):
    today = _today()
    records = generated_models(_months_ago(10), today)
    config = _config(tmp_path, 400, 3)
    with FakeHub(records) as fake:
        fake.spent_by_others_at = 3  # other clients on this IP use up the window: the 3rd request gets a 429
        proc = cli(empty_db, config, fake, tmp_path)
        assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
        [line] = _summary(proc)
        assert line.startswith("hfhub: partial") and "HTTP 429" in line and "HF_TOKEN" in line, line
        assert "doubles the budget" in line and "retry after" in line and "stopped after 2 page(s)" in line
        assert fake.served_429 == 1 and len(fake.log) == 3
        con = duckdb.connect(str(empty_db), read_only=True)
        status, retry_after = con.execute("SELECT status, retry_after FROM runs WHERE source = 'hfhub'").fetchone()
        con.close()
        assert status == "partial" and retry_after is not None
        kept = values(empty_db)
        assert kept and all(v == expected(records, today)[k] for k, v in kept.items())
        refused = _queries(fake)[2]
        fake.spent_by_others_at = None
        fake.new_window()
        proc = cli(empty_db, config, fake, tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert _queries(fake)[3] == refused  # resumes at the page the 429 refused
        cursors = [dict(q).get("cursor") for q in _queries(fake)]
    assert len(cursors) == -(-len(records) // 3) + 1 and len(set(cursors)) == len(cursors) - 1
    assert values(empty_db) == expected(records, today)


@pytest.mark.slow
def test_hf_token_travels_only_in_the_authorization_header(empty_db, tmp_path):
    today = _today()
    records = generated_models(_months_ago(4), today)
    with FakeHub(records, token=TOKEN) as fake:
        proc = cli(empty_db, _config(tmp_path, 400, 4), fake, tmp_path, token=TOKEN, verbose=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert len(fake.log) > 2
        assert all(e["headers"]["authorization"] == f"Bearer {TOKEN}" for e in fake.log)
        assert all(TOKEN not in json.dumps(e["query"]) + e["path"] for e in fake.log)
        assert all(TOKEN not in v for e in fake.log for k, v in e["headers"].items() if k != "authorization")
    assert "hfhub: page 1" in proc.stderr  # the log shows the pages, not the token
    assert TOKEN not in proc.stdout + proc.stderr and CACHED not in proc.stdout + proc.stderr
    dump = db_dump(empty_db)
    assert TOKEN not in dump and "***" not in dump  # never even reached a sink to be masked
    for f in empty_db.parent.iterdir():
        if f.is_file():
            assert TOKEN.encode() not in f.read_bytes(), f.name
    assert values(empty_db) == expected(records, today)
    con = duckdb.connect(str(empty_db), read_only=True)
    details = json.loads(con.execute("SELECT details FROM runs WHERE source = 'hfhub'").fetchone()[0])
    con.close()
    assert details["authenticated"] is True and details["rate_limit_quota"] == 1000


@pytest.mark.slow
def test_a_wrong_hf_token_is_one_line_naming_it(empty_db, tmp_path):
    wrong = "hf_WRONGtoken_0987654321"
    with FakeHub(generated_models(_months_ago(4), _today()), token=TOKEN) as fake:
        proc = cli(empty_db, _config(tmp_path, 400, 4), fake, tmp_path, token=wrong)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    [line] = _summary(proc)
    assert line.startswith("hfhub: failed") and "HTTP 401" in line and "HF_TOKEN is wrong or expired" in line
    assert "huggingface.co/settings/tokens" in line and wrong not in proc.stdout + proc.stderr
    assert values(empty_db) == {} and len(fake.log) == 1


# -- collect() with a chosen clock ---------------------------------------------------------------------


def _ctx(fake, state=None, now=NOW, toml=TOML, cap=400, size=3, token=None):
    registry = parse_registry(toml + f"\n[sources.hfhub]\nmax_requests = {cap}\npage_size = {size}\n")
    settings = Settings(hf_url=fake.base, hf_token=token)
    http = HttpClient(settings.secrets(), sleep=lambda s: pytest.fail(f"slept {s}s"), backoff_base=0.01)
    frameworks = [f for f in registry if hfhub.SOURCE.needs(f)]
    return CollectContext(
        frameworks=frameworks, registry=registry, settings=settings, http=http, state=state or {}, now=now
    )


def _run(fake, state, **kw):
    result = hfhub.collect(_ctx(fake, state, **kw))
    return result, {**state, **result.state}


def _obs(result) -> dict[tuple, tuple]:
    return {(o.framework, o.metric, o.date): (o.value, o.quality) for o in result.observations}


def _models(spec: list[tuple[dt.datetime, list[str]]]) -> list[dict]:
    return [
        {"_id": f"{0x7E0000000000000000000000 + i:024x}", "id": f"later/m{i}", "createdAt": iso(when), "tags": tags}
        for i, (when, tags) in enumerate(spec)
    ]


@pytest.mark.slow
def test_months_that_pass_are_finalised_and_new_months_added():
    records = generated_models(dt.date(2025, 10, 1), dt.date(2026, 3, 9))
    with FakeHub(records) as fake:
        first, state = _run(fake, {})
        mar = dt.date(2026, 3, 1)
        assert _obs(first)[("_all", SITE, mar)][1] == "partial_period"
        new = _models(
            [(dt.datetime(2026, 3, 20, 9), ["pytorch"]), (dt.datetime(2026, 3, 31, 23, 59), ["tf-keras"])]
            + [(dt.datetime(2026, 4, d, 12), tags) for d, tags in ((1, ["jax"]), (9, []), (30, ["tf", "flax"]))]
            + [(dt.datetime(2026, 5, 1, 7), ["safetensors"])]
        )
        fake.add(new)
        start = len(fake.log)
        second, state = _run(fake, state, now=dt.datetime(2026, 5, 2, 8, 0))
        assert len(fake.log) - start == len(new) // 3 + 1  # the new models, then the page reaching the counted ones
        got = _obs(second)
        want = expected(records + new, dt.date(2026, 5, 2))
        assert {k[2] for k in got} == {mar, dt.date(2026, 4, 1), dt.date(2026, 5, 1)}  # only what changed
        assert all(got[k][0] == want[k] for k in got)
        assert got[("_all", SITE, mar)][1] == "ok" and got[("_all", SITE, dt.date(2026, 5, 1))][1] == "partial_period"
        third, state = _run(fake, state, now=dt.datetime(2026, 6, 1, 0, 5))  # nothing new; May is over
        got = _obs(third)
        assert got[("_all", SITE, dt.date(2026, 5, 1))] == (want[("_all", SITE, dt.date(2026, 5, 1))], "ok")
        assert got[("_all", SITE, dt.date(2026, 6, 1))] == (0.0, "partial_period")


@pytest.mark.slow
def test_a_used_up_budget_stops_before_a_429_and_the_next_run_resumes():
    records = generated_models(dt.date(2025, 1, 1), dt.date(2026, 3, 9))
    with FakeHub(records, quota_anonymous=2) as fake:
        result, state = _run(fake, {})
        assert fake.served_429 == 0 and len(fake.log) == 2 and result.status == "partial"
        [msg] = result.failures.values()
        assert "r=0" in msg and "HF_TOKEN" in msg and "500 requests per 5 minutes" in msg and "\n" not in msg
        assert "stopped after 2 page(s)" in msg
        assert result.retry_after is not None and result.retry_after > NOW
        resume_at = state["scan"]["next"]
        fake.new_window()
        fake.quota_anonymous = 500
        result, state = _run(fake, state)
        assert _queries(fake)[2] == parse_qsl(resume_at)
    assert result.status == "ok" and not state["scan"]
    assert {k: v[0] for k, v in _obs(result).items()} == expected(records, dt.date(2026, 3, 10))


@pytest.mark.slow
def test_a_refused_cursor_restarts_the_scan_once_and_counts_stay_exact():
    records = generated_models(dt.date(2025, 1, 1), dt.date(2026, 3, 9))
    with FakeHub(records) as fake:
        _, state = _run(fake, {}, cap=2)
        state["scan"]["next"] = state["scan"]["next"].split("cursor=")[0] + "cursor=not-a-cursor"
        result, state = _run(fake, state)
        assert "refused the stored cursor" in result.details["restarted"] and not state["scan"]
    assert {k: v[0] for k, v in _obs(result).items()} == expected(records, dt.date(2026, 3, 10))


@pytest.mark.slow
def test_a_malformed_page_is_one_line_naming_the_url():
    records = generated_models(dt.date(2025, 1, 1), dt.date(2026, 3, 9))
    with FakeHub(records) as fake:
        fake.fail_next = [(200, {"error": "not a list"}, {})]
        with pytest.raises(FatalSourceError) as info:
            hfhub.collect(_ctx(fake))
        msg = str(info.value)
        assert msg.startswith(f"{fake.base}/api/models?sort=createdAt") and "unexpected response" in msg
        assert "\n" not in msg and "FWPULSE_HF_URL" in msg
        bad = {**records[0], "_id": "0" * 24, "id": "bad/old", "createdAt": "1999-01-01 not a time"}
        fake.add([bad])  # sorts last: the run keeps the pages before it
        result, state = _run(fake, {})
        assert result.status == "partial" and "unexpected response" in result.failures["_all"]
        assert result.observations and state["scan"]["next"]


def test_a_hub_that_lists_oldest_first_stops_with_one_line_instead_of_miscounting():
    with FakeHub(generated_models(dt.date(2025, 1, 1), dt.date(2026, 3, 9)), default_direction=1) as fake:
        with pytest.raises(FatalSourceError, match="not sorted newest first") as info:
            hfhub.collect(_ctx(fake))
    assert "\n" not in str(info.value) and len(fake.log) == 1


def test_an_anonymous_refusal_says_set_hf_token():
    with FakeHub(generated_models(dt.date(2025, 1, 1), dt.date(2026, 3, 9)), anonymous_refused=True) as fake:
        with pytest.raises(FatalSourceError, match=r"HTTP 401.*HF_TOKEN is not set.*set HF_TOKEN"):
            hfhub.collect(_ctx(fake))


def test_a_429_on_the_first_page_fails_with_retry_after_and_no_wait():
    with FakeHub(generated_models(dt.date(2025, 1, 1), dt.date(2026, 3, 9)), quota_anonymous=0) as fake:
        with pytest.raises(RetriableError, match="HTTP 429") as info:
            hfhub.collect(_ctx(fake))
    assert info.value.retry_after is not None and len(fake.log) == 1


@pytest.mark.slow
def test_series_left_out_by_framework_are_stored_in_full_when_collected_again():
    records = generated_models(dt.date(2025, 1, 1), dt.date(2026, 3, 9))
    with FakeHub(records) as fake:
        ctx = _ctx(fake)
        ctx.frameworks = [f for f in ctx.frameworks if f.id == "pytorch"]  # refresh --framework pytorch
        only = hfhub.collect(ctx)
        assert {o.framework for o in only.observations} == {"pytorch", "_all"}
        fake.add(_models([(dt.datetime(2026, 3, 9, 23), ["tf"])]))
        again, _ = _run(fake, dict(only.state), now=dt.datetime(2026, 3, 10, 13))
    want = expected(records + _models([(dt.datetime(2026, 3, 9, 23), ["tf"])]), dt.date(2026, 3, 10))
    got = {k: v[0] for k, v in _obs(again).items()}
    assert {k for k in got if k[0] == "tensorflow"} == {k for k in want if k[0] == "tensorflow"}  # every month
    assert {k[2] for k in got if k[0] == "pytorch"} == {dt.date(2026, 3, 1)}  # only what changed
    assert all(got[k] == want[k] for k in got)


@pytest.mark.slow
def test_a_tag_new_to_the_registry_starts_the_count_over():
    records = generated_models(dt.date(2025, 1, 1), dt.date(2026, 3, 9))
    with FakeHub(records) as fake:
        _, state = _run(fake, {})
        more = TOML + '\n[frameworks.gguf]\nname = "GGUF"\nhf_tags = ["gguf"]\n'
        result, state = _run(fake, state, toml=more)
    assert "gguf" in result.details["recount"] and not state["scan"]
    want = expected(records, dt.date(2026, 3, 10), {**FRAMEWORKS, "gguf": ["gguf"]})
    assert {k: v[0] for k, v in _obs(result).items()} == want


def test_the_request_is_the_one_huggingface_hub_list_models_sends():
    """Our first page against what the official client sends to the same fake (token as a header only)."""
    from huggingface_hub import HfApi

    with FakeHub(generated_models(dt.date(2025, 1, 1), dt.date(2026, 3, 9)), token=TOKEN) as fake:
        got = list(HfApi(endpoint=fake.base, token=TOKEN).list_models(sort="createdAt", expand=list(EXPAND), limit=3))
        hfhub.collect(_ctx(fake, cap=1, token=TOKEN))
        official, ours = fake.log[0], fake.log[1]
    assert [m.id for m in got] and official["query"] == ours["query"]
    assert official["headers"]["authorization"] == ours["headers"]["authorization"] == f"Bearer {TOKEN}"


def test_fake_hub_honours_expand_direction_and_keyset_cursor():
    import requests

    records = generated_models(dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    with FakeHub(records) as fake:
        url = f"{fake.base}/api/models?sort=createdAt&limit=2&expand=createdAt&expand=tags"
        first = requests.get(url, timeout=5)
        assert [set(m) for m in first.json()] == [{"_id", "id", "createdAt", "tags"}] * 2
        assert first.headers["RateLimit"].startswith('"api";r=499;t=')
        assert first.headers["RateLimit-Policy"] == '"fixed window";"api";q=500;w=300'
        newest = sorted(records, key=lambda r: (r["createdAt"], r["_id"]), reverse=True)
        assert [m["id"] for m in first.json()] == [r["id"] for r in newest[:2]]
        fake.add([{**newest[0], "_id": "f" * 24, "id": "brand/new", "createdAt": "2030-01-01T00:00:00.000Z"}])
        second = requests.get(first.links["next"]["url"], timeout=5)  # a keyset: the new model does not shift it
        assert [m["id"] for m in second.json()] == [r["id"] for r in newest[2:4]]
        oldest = requests.get(f"{fake.base}/api/models?sort=createdAt&direction=1&limit=1", timeout=5).json()
        assert oldest[0]["id"] == min(records, key=lambda r: (r["createdAt"], r["_id"]))["id"]
        assert requests.get(f"{fake.base}/api/models?sort=createdAt&cursor=zzz", timeout=5).status_code == 400
