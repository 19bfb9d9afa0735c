-- 0005: the 2020 article's figures carry a flag in details ({"article": "iflexion-2020"}); the dashboard's
-- Article check and the charts that mark those figures test the flag (data/quality.py), not the source's
-- name. The snapshot loader writes the flag from now on; this sets it on the rows stored before. Nothing
-- else changes: value, date, source, method, quality, collected_at and run_id stay as they were.
UPDATE observations SET
    details = json_merge_patch(coalesce(details, '{}'::JSON), '{"article": "iflexion-2020"}'::JSON)
WHERE source = 'Iflexion ''PyTorch vs Keras'' (2020)';
