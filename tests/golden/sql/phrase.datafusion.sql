-- query: tani@cookpad.com
-- range: 2024-01-01T00:00:00Z/P1D

-- candidates of a phrase (checked against their messages)
SELECT object_id, seq, "timestamp", dt, tag FROM (SELECT DISTINCT hits.object_id, hits.seq, m."timestamp", hits.dt, hits.tag FROM (SELECT object_id, seq, dt, tag FROM "indices" WHERE dt >= '2024-01-01-00' AND dt <= '2024-01-01-23' AND term = 'tani' INTERSECT SELECT object_id, seq, dt, tag FROM "indices" WHERE dt >= '2024-01-01-00' AND dt <= '2024-01-01-23' AND term = 'cookpad') AS hits JOIN (SELECT object_id, seq, "timestamp", dt FROM "messages" WHERE dt >= '2024-01-01-00' AND dt <= '2024-01-01-23' AND "timestamp" >= TIMESTAMP '2024-01-01 00:00:00.000000+00:00' AND "timestamp" < TIMESTAMP '2024-01-02 00:00:00.000000+00:00') AS m ON m.dt = hits.dt AND m.object_id = hits.object_id AND m.seq = hits.seq) AS matched ORDER BY "timestamp" DESC, object_id, seq LIMIT 200001;

-- message fetch of a page (and of a phrase check batch)
SELECT tag, "timestamp", object_id, seq, source, message, raw, dt FROM "messages" WHERE dt IN ('2024-01-01-05', '2024-01-01-07') AND ((dt = '2024-01-01-05' AND object_id = '0f3a' AND seq IN (3, 17)) OR (dt = '2024-01-01-07' AND object_id = '77b0' AND seq IN (0)));
