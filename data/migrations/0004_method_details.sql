-- 0004: structured provenance. Every observation's `method` becomes a SHORT STABLE category (one a caption
-- prints once); what varied per row and used to be written into the method text (packages, tags, DOIs, a
-- Trends batch/anchor/scale/raw value, a search window, a PyPI window) moves into `details` JSON, and what
-- the text said about the figure becomes its `quality` flag (a current year still counting, a search GitHub
-- reported incomplete, a quoted bound or rounding, a partial month, the BigQuery bug before Aug 2018).
--
-- Nothing is lost: every converted row keeps its old text in details.method_before_0004, its value, date,
-- source, collected_at and run_id are untouched, and no row is added or removed (history intact). The new
-- method strings are exactly those the collectors and the snapshot loader write from now on, so a refresh
-- after this migration finds converted rows equal and stores nothing twice (tests/data/test_provenance.py).
-- This is the last place method text is parsed.

-- pypistats (collectors/pypi.py)
UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'packages', string_split(regexp_extract(method, '^pypistats /overall daily downloads without mirrors for PyPI packages? (.*?)(?: \(summed\))?$', 1), ', '),
        'method_before_0004', method)),
    method = 'pypistats /overall, mirrors excluded, summed over the framework''s packages'
WHERE method LIKE 'pypistats /overall daily downloads without mirrors for PyPI %';

UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'packages', string_split(regexp_extract(method, '\(PyPI packages? (.*)\)$', 1), ', '),
        'window', strftime(date, '%Y-%m-%d') || '..' || strftime(last_day(date), '%Y-%m-%d'),
        'method_before_0004', method)),
    method = 'pypistats /overall, mirrors excluded, daily downloads summed over the calendar month'
WHERE method LIKE 'sum of pypistats daily downloads without mirrors over the calendar month (PyPI %)';

-- Google Trends (collectors/trends.py): "interest_over_time for 'T', TF, batch B of N with anchor 'A' xS (raw R)"
-- or "..., batch 1 of 1, no anchor needed (<= 5 terms, scale 1) (raw R)". The exact scale is value / raw.
UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'term', regexp_extract(method, '^interest_over_time for ''(.*)'', ([^,]*), batch (\d+) of (\d+)', 1),
        'timeframe', regexp_extract(method, '^interest_over_time for ''(.*)'', ([^,]*), batch (\d+) of (\d+)', 2),
        'batch', CAST(regexp_extract(method, ', batch (\d+) of (\d+)', 1) AS INTEGER),
        'batches', CAST(regexp_extract(method, ', batch (\d+) of (\d+)', 2) AS INTEGER),
        'anchor', nullif(regexp_extract(method, ' with anchor ''(.*)'' x', 1), ''),
        'raw', CAST(regexp_extract(method, '\(raw ([0-9.eE+-]+)\)$', 1) AS DOUBLE),
        'scale', CASE
            WHEN CAST(regexp_extract(method, '\(raw ([0-9.eE+-]+)\)$', 1) AS DOUBLE) > 0
                THEN value / CAST(regexp_extract(method, '\(raw ([0-9.eE+-]+)\)$', 1) AS DOUBLE)
            WHEN method LIKE '% with anchor %' THEN CAST(regexp_extract(method, ' x([0-9.eE+-]+) \(raw', 1) AS DOUBLE)
            ELSE 1.0 END,
        'method_before_0004', method)),
    method = CASE WHEN method LIKE '% with anchor %'
        THEN 'Google Trends interest_over_time, batches rescaled to batch 1 through a shared anchor term'
        ELSE 'Google Trends interest_over_time, one request (at most 5 terms, values as served)' END
WHERE method LIKE 'interest_over_time for %' AND regexp_matches(method, '\(raw [0-9.eE+-]+\)$');

-- Stack Exchange (collectors/stackoverflow.py)
UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'tags', string_split(regexp_extract(method, '^Stack Exchange /tags/info question count (?:of tag|summed over tags) (.*?)(?: \(a question with two of these tags counts twice\))?$', 1), ', '),
        'method_before_0004', method)),
    method = 'Stack Exchange /tags/info question count, summed over the framework''s tags'
WHERE method LIKE 'Stack Exchange /tags/info question count %';

UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'tags', string_split(regexp_extract(method, ', tagged (.*), created in the calendar month', 1), ', '),
        'fromdate', CAST(epoch(date) AS BIGINT),
        'todate', CAST(epoch(date + INTERVAL 1 MONTH) AS BIGINT) - 1,
        'method_before_0004', method)),
    method = 'Stack Exchange /questions filter=total, created in the calendar month (UTC), summed over the framework''s tags'
WHERE method LIKE 'Stack Exchange /questions filter=total, tagged %';

UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'tags', string_split(regexp_extract(method, '^questions tagged (.*?) in the month', 1), ', '),
        'fromdate', CAST(epoch(date) AS BIGINT),
        'todate', CAST(epoch(date + INTERVAL 1 MONTH) AS BIGINT) - 1,
        'method_before_0004', method)),
    method = 'questions with the framework''s tags in the month divided by all questions created in the month (/questions filter=total without tagged), times 100'
WHERE method LIKE 'questions tagged % divided by all Stack Overflow questions created in the month%';

-- OpenAlex (collectors/citations.py): the current year, still counting, is partial_period.
UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'dois', string_split(regexp_extract(method, ' for DOI (.*), as of the collection date$', 1), ', '),
        'method_before_0004', method)),
    method = 'OpenAlex cited_by_count as of the collection date, summed over the framework''s DOIs'
WHERE method LIKE 'OpenAlex cited_by_count% for DOI %, as of the collection date';

UPDATE observations SET
    quality = CASE WHEN method LIKE '%; current year, still counting' THEN 'partial_period' ELSE quality END,
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'dois', string_split(regexp_extract(method, ' for DOI (.*) \(covers the last \d+ years\)', 1), ', '),
        'window_years', CAST(regexp_extract(method, '\(covers the last (\d+) years\)', 1) AS INTEGER),
        'zero_filled', CASE WHEN method LIKE '%omits years with zero citations%' THEN true END,
        'reason', CASE
            WHEN method LIKE '%omits years with zero citations%'
                THEN 'OpenAlex omits years with zero citations, so this missing year is stored as 0'
            WHEN method LIKE '%; current year, still counting' THEN 'current year, still counting' END,
        'period_end', CASE WHEN method LIKE '%; current year, still counting' THEN strftime(collected_at, '%Y-%m-%d') END,
        'method_before_0004', method)),
    method = 'OpenAlex counts_by_year cited_by_count, summed over the framework''s DOIs'
WHERE method LIKE 'OpenAlex counts_by_year cited_by_count%';

-- GitHub (collectors/github/): a 304 keeps the metric's own method; an incomplete search is degraded_source.
UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'not_modified', true,
        'reason', 'HTTP 304: unchanged since the last REST collection, its values kept',
        'method_before_0004', method)),
    method = CASE metric
        WHEN 'github.stars' THEN 'REST GET /repos: stargazers_count'
        WHEN 'github.forks' THEN 'REST GET /repos: forks_count'
        WHEN 'github.watchers' THEN 'REST GET /repos: subscribers_count'
        WHEN 'github.open_issues_incl_prs' THEN 'REST GET /repos: open_issues_count (includes open PRs)'
        WHEN 'github.open_prs' THEN 'REST search is:pr is:open: total_count'
        WHEN 'github.open_issues' THEN 'REST open_issues_count minus open PRs (search is:pr is:open total_count)'
        ELSE method END
WHERE method = 'unchanged since last collection (304): values of the previous REST collection';

UPDATE observations SET
    quality = 'degraded_source',
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'incomplete_results', true, 'reason', 'GitHub search reported incomplete results',
        'method_before_0004', method)),
    method = 'REST search is:pr is:open: total_count'
WHERE method = 'REST search is:pr is:open: total_count (search reported incomplete results)';

UPDATE observations SET
    quality = CASE WHEN method LIKE '% (search reported incomplete results)' THEN 'degraded_source' ELSE quality END,
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'window', regexp_extract(method, '^search is:issue (?:created|closed):(\S+) total_count', 1),
        'incomplete_results', CASE WHEN method LIKE '% (search reported incomplete results)' THEN true END,
        'reason', CASE WHEN method LIKE '% (search reported incomplete results)' THEN 'GitHub search reported incomplete results' END,
        'method_before_0004', method)),
    method = 'REST search is:issue ' || regexp_extract(method, '^search is:issue (created|closed):', 1)
             || ':<calendar month>, total_count'
WHERE regexp_matches(method, '^search is:issue (created|closed):\S+ total_count');

-- ClickPy and GH Archive (collectors/clickpy.py, gharchive.py): packages / repos were already in details.
UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object('method_before_0004', method)),
    method = CASE
        WHEN method LIKE 'ClickHouse sum(count) per UTC day over PyPI package%'
            THEN 'ClickPy pypi_downloads_per_day: sum(count) per UTC day over the framework''s packages, every installer, mirrors and CI included'
        ELSE 'ClickPy pypi_downloads_per_day summed over the calendar month and the framework''s packages, every installer, mirrors and CI included' END
WHERE method LIKE 'ClickHouse sum(count) per UTC day over PyPI package%'
   OR method LIKE 'ClickHouse sum of daily downloads over the calendar month over PyPI package%';

UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object('method_before_0004', method)),
    method = 'distinct PyPI projects (other than the framework''s own) uploading a file in the month whose requires_dist names one of the framework''s packages (PEP 503 names; extras and markers included)'
WHERE method LIKE 'distinct PyPI projects (other than %) uploading a file in the month whose requires_dist names %';

UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'dataset', regexp_extract(method, '\(ClickHouse ([^)]*)\)$', 1),
        'method_before_0004', method)),
    method = regexp_replace(method, ' for .* \(ClickHouse [^)]*\)$', ' (ClickHouse github_events)')
WHERE regexp_matches(method, '^GH Archive .* events per calendar month for .* \(ClickHouse [^)]*\)$');

-- fwpulse import (data/importer.py)
UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'file', regexp_extract(method, '^figure imported with fwpulse import from (.*)$', 1),
        'method_before_0004', method)),
    method = 'figure imported with fwpulse import'
WHERE method LIKE 'figure imported with fwpulse import from %';

-- The bundled snapshot (data/snapshot.py), rows of the snapshot's own runs only.
-- PyPI: the window moves to details; rows before Aug 2018 (BigQuery bug, SOURCES.md) are degraded_source.
UPDATE observations SET
    quality = CASE WHEN method LIKE '%(BigQuery via pypinfo)' AND date < DATE '2018-08-01' THEN 'degraded_source' ELSE quality END,
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'package', regexp_extract(coalesce(note, ''), '^package ([^;]+)', 1),
        'window', regexp_extract(method, '^hugovk/top-pypi-packages monthly snapshot: (.*), (?:pip installs only|all installers) \(', 1),
        'installers', CASE WHEN method LIKE '%, pip installs only (%' THEN 'pip_only' ELSE 'all' END,
        'reason', CASE WHEN method LIKE '%(BigQuery via pypinfo)' AND date < DATE '2018-08-01'
            THEN 'the BigQuery PyPI dataset had a known historical bug until July 2018' END,
        'method_before_0004', method)),
    method = 'hugovk/top-pypi-packages monthly snapshot: '
        || CASE WHEN method LIKE '%(BigQuery via pypinfo)' THEN 'pypinfo on BigQuery, ' ELSE 'ClickHouse pypi_downloads_per_month, ' END
        || CASE WHEN method LIKE '%, pip installs only (%' THEN 'pip installs only' ELSE 'all installers' END
        || CASE WHEN method LIKE '%(BigQuery via pypinfo)' THEN ', window of days up to the snapshot' ELSE ', previous calendar month' END
WHERE regexp_matches(method, '^hugovk/top-pypi-packages monthly snapshot: .*, (pip installs only|all installers) \((BigQuery via pypinfo|ClickHouse pypi_downloads_per_month)\)$')
  AND run_id IN (SELECT run_id FROM runs WHERE source = 'snapshot');

-- Dated figures: one method; a year count dated before 31 Dec is partial_period, a bound or rounding comes
-- from the qualifier opening a sentence of the note (approx / upper bound / lower bound).
UPDATE observations SET
    quality = CASE
        WHEN metric LIKE 'manual.%\_in\_year' ESCAPE '\' AND strftime(date, '%m-%d') <> '12-31' THEN 'partial_period'
        WHEN lower(regexp_extract(coalesce(note, ''), '(?i)(?:^|\.\s+)(approx|upper bound|lower bound)\b', 1)) = 'approx' THEN 'approximate'
        WHEN lower(regexp_extract(coalesce(note, ''), '(?i)(?:^|\.\s+)(approx|upper bound|lower bound)\b', 1)) = 'upper bound' THEN 'upper_bound'
        WHEN lower(regexp_extract(coalesce(note, ''), '(?i)(?:^|\.\s+)(approx|upper bound|lower bound)\b', 1)) = 'lower bound' THEN 'lower_bound'
        ELSE quality END,
    details = json_merge_patch(coalesce(details, '{}'::JSON), CASE
        WHEN metric LIKE 'manual.%\_in\_year' ESCAPE '\' AND strftime(date, '%m-%d') <> '12-31' THEN json_object(
            'period', strftime(date, '%Y'), 'period_end', strftime(date, '%Y-%m-%d'),
            'reason', 'the count covers ' || strftime(date, '%Y') || ' only up to ' || strftime(date, '%Y-%m-%d'),
            'method_before_0004', method)
        WHEN regexp_matches(coalesce(note, ''), '(?i)(?:^|\.\s+)(approx|upper bound|lower bound)\b') THEN json_object(
            'reason', regexp_extract(note, '(?i)(?:^|\.\s+)((?:approx|upper bound|lower bound)\b.*)$', 1),
            'quoted', nullif(trim(regexp_extract(
                regexp_extract(note, '(?i)(?:^|\.\s+)((?:approx|upper bound|lower bound)\b.*)$', 1),
                '(?:says |\()(''[^'']+''|[<>~][0-9][0-9,]*)', 1), ''''), ''),
            'method_before_0004', method)
        ELSE json_object('method_before_0004', method) END),
    method = 'figure quoted by a dated page or report'
WHERE method IN ('article figure, approximate', 'figure quoted by a dated page or report')
  AND run_id IN (SELECT run_id FROM runs WHERE source = 'snapshot');

-- git activity: the last month of each processed history is partial (SOURCES.md "As of").
UPDATE observations SET
    quality = 'partial_period',
    details = json_merge_patch(coalesce(details, '{}'::JSON), json_object(
        'repo', CASE framework WHEN 'keras' THEN 'keras-team/keras' ELSE 'jax-ml/jax' END,
        'period_end', CASE framework WHEN 'keras' THEN '2026-08-21' ELSE '2026-08-08' END,
        'reason', 'the month ends at the newest commit processed ('
            || CASE framework WHEN 'keras' THEN '2026-08-21' ELSE '2026-08-08' END || ')'))
WHERE source = 'git history' AND date = DATE '2026-08-01' AND framework IN ('keras', 'jax')
  AND metric IN ('git.commits_monthly', 'git.authors_monthly')
  AND run_id IN (SELECT run_id FROM runs WHERE source = 'snapshot');
