"""Hugging Face Hub models created per month: per framework tag, site-wide and untagged, from ``/api/models``.

* ``GET {FWPULSE_HF_URL}/api/models?sort=createdAt&limit=N&expand=createdAt&expand=tags&expand=library_name``
  (the request of huggingface_hub's ``list_models``; why the pages are fetched here and not by that
  client: :mod:`~fwpulse.collectors.hfhub_fetch`), newest first, following ``Link: <...>; rel="next"``.
* Each model is counted under its ``createdAt`` month (UTC), dated the 1st:
  ``hfhub.models_created_monthly`` per framework (models carrying ANY of its ``hf_tags``, once each),
  ``hfhub.models_created_monthly_site`` (every model) and ``hfhub.models_untagged_monthly`` (models
  carrying none of the registry's ``hf_tags``, e.g. a diffusers model with only ``safetensors``),
  both under framework ``_all``. Tags are the Hub's file-format tags as of collection, and only
  models still public then are counted (deleted or private repositories are gone). The running
  month is ``partial_period``.

History. The first run (with or without ``--backfill``: a backfill in progress always resumes)
reads every public model, newest first, ``[sources.hfhub] page_size`` (default 1000) per page and
at most ``max_requests`` pages (default 400, under the anonymous 500 per 5 minutes) per run. Months
complete in the pages read so far are stored; the cursor, the position and the counts of the month
in progress are kept in the source state (never the token), so the next run continues without a
gap or a double count. Later runs read only models newer than the newest one counted and add them
to the stored months (old + new: :mod:`~fwpulse.collectors.hfhub_counts`). A tag added to the
registry starts the count over (the old rows stay until their months are counted again).

Rate limits (5-minute windows: 500 requests anonymous, 1,000 with ``HF_TOKEN``). The
``RateLimit``/``RateLimit-Policy`` headers are read on every page; when ``r`` reaches 0 or a 429
arrives the run stops at once, keeps every page read, sets ``retry_after`` and says so in one line
naming ``HF_TOKEN`` (the source is *partial*, or *failed* if nothing was read). ``HF_TOKEN`` travels
only as ``Authorization: Bearer``; a 401/403 is one line naming it. A stored cursor the Hub refuses
restarts that scan once, from the top.
"""

from __future__ import annotations

from fwpulse.collectors import hfhub_counts as counting
from fwpulse.collectors.base import CollectContext, Source, SourceResult
from fwpulse.collectors.errors import FatalSourceError, SourceError
from fwpulse.collectors.hfhub_fetch import CursorRefused, HubLister, HubRateLimited
from fwpulse.data import catalog

DEFAULT_MAX_REQUESTS = 400
DEFAULT_PAGE_SIZE = 1000


def collect(ctx: CollectContext) -> SourceResult:
    result = SourceResult()
    frameworks = [f for f in ctx.frameworks if f.hf_tags]
    universe = sorted({t for f in ctx.registry for t in f.hf_tags})
    if not frameworks:
        return result
    conf = ctx.source_settings("hfhub")
    max_requests = int(conf.get("max_requests", DEFAULT_MAX_REQUESTS))
    lister = HubLister(
        ctx.http, ctx.settings.hf_url, ctx.settings.hf_token, int(conf.get("page_size", DEFAULT_PAGE_SIZE))
    )
    state, new_tags = counting.load_state(ctx.state, universe)
    if new_tags:
        result.details["recount"] = f"hf_tags new to the counts ({', '.join(new_tags)}): counting every model again"
    before, prev_partial = set(counting.settled(state)), state.get("partial")
    state["scan"] = state.get("scan") or counting.new_scan(state, ctx.now)
    kind = "update" if state["scan"]["stop"] else "backfill"
    touched: set[str] = set()
    kept = models = 0  # pages counted this run, models read
    stopped, restarted = None, False
    ctx.expect_steps(max_requests)  # one step per page; corrected to the pages read at the end
    try:
        while True:
            if lister.calls >= max_requests:
                stopped = (
                    f"request cap of {max_requests} pages per run reached ([sources.hfhub] max_requests); "
                    "the next refresh continues from there"
                )
                break
            if lister.remaining == 0:
                raise lister.limited("RateLimit r=0: the window's budget is used up", lister.reset_s, ctx.now)
            scan = state["scan"]
            try:
                page = lister.page(scan["next"], ctx.now)
            except CursorRefused as exc:
                if restarted:
                    raise FatalSourceError(f"{lister.public_url()}: the Hub refused a fresh cursor ({exc})") from None
                restarted = True
                result.details["restarted"] = f"the Hub refused the stored cursor ({exc}); this scan started over"
                state["scan"] = counting.new_scan(state, ctx.now)
                continue
            done, months = counting.take_page(scan, page.models, state["tags"], ctx.http.redact(page.url))
            touched |= months
            kept, models = kept + 1, models + len(page.models)
            ctx.progress(f"page {lister.calls}, {page.models[-1].created:%Y-%m}" if page.models else "empty page")
            if done or page.next_query is None:
                counting.finish_scan(state)
                break
            scan["next"] = page.next_query
    except HubRateLimited as exc:
        if not kept:
            raise
        stopped = result.failures[catalog.SITE] = ctx.http.redact(str(exc))
        result.retry_after = exc.retry_after
    except SourceError as exc:
        if not kept:
            raise
        stopped = result.failures[catalog.SITE] = ctx.http.redact(f"stopped after {kept} page(s), keeping them: {exc}")
    ctx.expect_steps(lister.calls)

    after = counting.settled(state)
    running = (counting.as_of(state) or "")[:7]
    changed = (set(after) - before) | (touched | {running, prev_partial}) & set(after)
    wanted = counting.series(frameworks, universe)
    emitted = state.get("emitted") or {}
    by_series = {name: after if emitted.get(name) != tags else sorted(changed) for name, tags in wanted.items()}
    result.observations = counting.build_rows(frameworks, universe, state, by_series, lister.public_url())
    kept_series = {} if (changed - {running}) else {k: v for k, v in emitted.items() if k not in wanted}
    state["emitted"] = {**kept_series, **wanted}
    state["partial"] = running or None
    result.state = state
    scan = state.get("scan")
    return result.finish(
        ctx,
        "hfhub",
        stopped,
        scan=kind,
        scan_finished=scan is None,
        pages=lister.calls,
        models_read=models,
        page_size=lister.page_size,
        counted_through=counting.as_of(state),
        oldest_month_counted=min(list(state["months"]) + list((scan or {}).get("counts", {})), default=None),
        history_complete=bool(state.get("through")),
        rate_limit_remaining=lister.remaining,
        rate_limit_quota=lister.quota,
        authenticated=bool(lister.token),
    )


SOURCE = Source(
    name="hfhub",
    collect=collect,
    description="Hugging Face Hub models created per month: per framework tag, all models, and untagged",
    needs=lambda f: bool(f.hf_tags),
)
