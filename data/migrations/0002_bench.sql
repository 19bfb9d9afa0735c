-- 0002: measured speed. One row per benchmark cell (workload x variant x contender x tier x precision x device)
-- of one `fwpulse bench` run, local or imported. Read it through fwpulse.data.bench_store.results().
CREATE TABLE bench_results (
    result_id        TEXT PRIMARY KEY,      -- hash of (bench_run_id, workload, variant, contender, tier, precision, device)
    bench_run_id     TEXT NOT NULL,         -- one `fwpulse bench` invocation (uuid)
    suite            TEXT NOT NULL,         -- smoke / full
    workload         TEXT NOT NULL,         -- W0..W4
    workload_label   TEXT,
    variant          TEXT NOT NULL,
    contender        TEXT NOT NULL,         -- torch-eager, torch-compile, tf-function, tf-xla, keras-jax-fit, jax-jit, ...
    framework        TEXT NOT NULL,         -- registry id: pytorch / tensorflow / keras / jax
    backend          TEXT,
    api              TEXT,                  -- native / fit / custom-loop
    mode             TEXT,                  -- eager / graph / xla / compile
    tier             TEXT NOT NULL,         -- defaults / matched
    precision        TEXT NOT NULL,         -- fp32 / tf32 / bf16
    device           TEXT NOT NULL,         -- cpu / cuda
    device_name      TEXT,
    batch_size       INTEGER,
    status           TEXT NOT NULL CHECK (status IN ('ok', 'not_available', 'failed')),
    reason           TEXT,
    step_ms_p50      DOUBLE,
    step_ms_p90      DOUBLE,
    step_ms_p99      DOUBLE,
    samples_per_s    DOUBLE,
    cv               DOUBLE,
    n_repeats        INTEGER,
    n_steps          INTEGER,
    first_step_s     DOUBLE,
    compile_s        DOUBLE,
    n_compiles       INTEGER,
    breakeven_steps  DOUBLE,
    peak_mem_bytes   BIGINT,
    mem_kind         TEXT,
    tflops           DOUBLE,
    pct_of_peak      DOUBLE,
    baseline         TEXT,
    ratio            DOUBLE,
    ratio_ci_low     DOUBLE,
    ratio_ci_high    DOUBLE,
    verdict          TEXT,
    loss_first       DOUBLE,
    loss_last        DOUBLE,
    loss_ok          BOOLEAN,
    fingerprint      JSON,
    method           TEXT,
    measured_at      TIMESTAMP NOT NULL,
    imported_from    TEXT,
    -- additions beyond the dashboard contract (never renamed, only added):
    import_s         DOUBLE,                -- framework import time in the worker process
    build_s          DOUBLE,                -- model/data build time
    details          JSON                   -- per-cell extras: resolved policies, kernel paths, per-repeat medians
);
CREATE INDEX bench_results_run ON bench_results (bench_run_id);
