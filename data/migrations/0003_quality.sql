-- 0003: every observation carries a data-quality flag and a details JSON (what varies per row).
-- quality vocabulary (data/store.py QUALITY): ok, partial_period, lower_bound, upper_bound,
-- approximate, degraded_source, synthetic. Existing rows are kept as they are and read as 'ok'.
ALTER TABLE observations ADD COLUMN quality TEXT DEFAULT 'ok';
ALTER TABLE observations ADD COLUMN details JSON;
UPDATE observations SET quality = 'ok' WHERE quality IS NULL;

DROP VIEW metric_values;
CREATE VIEW metric_values AS
SELECT framework, metric, date, value, source, method, collected_at, source_url, note, run_id,
       coalesce(quality, 'ok') AS quality, details
FROM observations
QUALIFY row_number() OVER (
    PARTITION BY framework, metric, date ORDER BY collected_at DESC, run_id DESC
) = 1;
