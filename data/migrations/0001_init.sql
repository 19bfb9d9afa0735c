-- 0001: observations history, run ledger, dated events, collector state, the metric_values view.
CREATE SEQUENCE run_id_seq START 1;

-- One row per source per refresh (and one for the bundled snapshot / each import).
CREATE TABLE runs (
    run_id          BIGINT PRIMARY KEY,
    source          TEXT NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    status          TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'skipped', 'partial')),
    rows_written    INTEGER NOT NULL DEFAULT 0,
    rows_unchanged  INTEGER NOT NULL DEFAULT 0,
    requests        INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    retry_after     TIMESTAMP,
    details         JSON
);

-- Append-only history: a value is never updated or deleted; a changed value is a new row.
CREATE TABLE observations (
    framework     TEXT NOT NULL,
    metric        TEXT NOT NULL,
    date          DATE NOT NULL,
    value         DOUBLE NOT NULL,
    source        TEXT NOT NULL,
    method        TEXT NOT NULL,
    collected_at  TIMESTAMP NOT NULL,
    run_id        BIGINT NOT NULL,
    source_url    TEXT,
    note          TEXT,
    PRIMARY KEY (framework, metric, date, run_id)
);

-- Dated events (releases) used for chart annotations.
CREATE TABLE events (
    framework     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    label         TEXT NOT NULL,
    date          DATE NOT NULL,
    is_major      BOOLEAN,
    source        TEXT NOT NULL,
    method        TEXT NOT NULL,
    source_url    TEXT,
    note          TEXT,
    collected_at  TIMESTAMP NOT NULL,
    run_id        BIGINT NOT NULL,
    PRIMARY KEY (framework, kind, label, source)
);

-- Collector state between runs (ETags, completed backfill months, ...). Never holds secrets.
CREATE TABLE source_state (
    source      TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       JSON,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source, key)
);

-- The one stable read interface: newest collection per (framework, metric, date).
CREATE VIEW metric_values AS
SELECT framework, metric, date, value, source, method, collected_at, source_url, note, run_id
FROM observations
QUALIFY row_number() OVER (
    PARTITION BY framework, metric, date ORDER BY collected_at DESC, run_id DESC
) = 1;
