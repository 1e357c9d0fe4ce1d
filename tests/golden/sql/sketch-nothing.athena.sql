-- query: 10.1.2.3
-- range: 2024-01-01T00:00:00Z/P1D
-- hours the hour sketches kept: []

-- summary: exact total, counts per tag and time bin
SELECT tag, CAST(floor(CAST(round(to_unixtime("timestamp") * 1000000) - 1704067200000000 AS DOUBLE) / 34285715) AS BIGINT) AS bin, COUNT(*) AS n FROM (SELECT DISTINCT hits.object_id, hits.seq, m."timestamp", hits.dt, hits.tag FROM (SELECT object_id, seq, "timestamp", dt FROM "minerva"."messages" WHERE dt = '2024-01-01-00' AND FALSE AND "timestamp" >= TIMESTAMP '2024-01-01 00:00:00.000000' AND "timestamp" < TIMESTAMP '2024-01-02 00:00:00.000000') AS m JOIN (SELECT object_id, seq, dt, tag FROM "minerva"."indices" WHERE dt = '2024-01-01-00' AND FALSE AND term = '10.1.2.3') AS hits ON m.dt = hits.dt AND m.object_id = hits.object_id AND m.seq = hits.seq) AS matched GROUP BY 1, 2;

-- lookup: every match, newest first (Athena pages its stored result)
SELECT object_id, seq, "timestamp", dt, tag FROM (SELECT DISTINCT hits.object_id, hits.seq, m."timestamp", hits.dt, hits.tag FROM (SELECT object_id, seq, "timestamp", dt FROM "minerva"."messages" WHERE dt = '2024-01-01-00' AND FALSE AND "timestamp" >= TIMESTAMP '2024-01-01 00:00:00.000000' AND "timestamp" < TIMESTAMP '2024-01-02 00:00:00.000000') AS m JOIN (SELECT object_id, seq, dt, tag FROM "minerva"."indices" WHERE dt = '2024-01-01-00' AND FALSE AND term = '10.1.2.3') AS hits ON m.dt = hits.dt AND m.object_id = hits.object_id AND m.seq = hits.seq) AS matched ORDER BY "timestamp" DESC, object_id, seq;

-- page 2 of 50 (embedded engine: a window of the lookup)
SELECT object_id, seq, "timestamp", dt, tag FROM (SELECT DISTINCT hits.object_id, hits.seq, m."timestamp", hits.dt, hits.tag FROM (SELECT object_id, seq, "timestamp", dt FROM "minerva"."messages" WHERE dt = '2024-01-01-00' AND FALSE AND "timestamp" >= TIMESTAMP '2024-01-01 00:00:00.000000' AND "timestamp" < TIMESTAMP '2024-01-02 00:00:00.000000') AS m JOIN (SELECT object_id, seq, dt, tag FROM "minerva"."indices" WHERE dt = '2024-01-01-00' AND FALSE AND term = '10.1.2.3') AS hits ON m.dt = hits.dt AND m.object_id = hits.object_id AND m.seq = hits.seq) AS matched ORDER BY "timestamp" DESC, object_id, seq OFFSET 50 LIMIT 50;

-- lookup of one tag (Athena: for pages filtered by tag)
SELECT object_id, seq, "timestamp", dt, tag FROM (SELECT DISTINCT hits.object_id, hits.seq, m."timestamp", hits.dt, hits.tag FROM (SELECT object_id, seq, "timestamp", dt FROM "minerva"."messages" WHERE dt = '2024-01-01-00' AND FALSE AND tag IN ('web') AND "timestamp" >= TIMESTAMP '2024-01-01 00:00:00.000000' AND "timestamp" < TIMESTAMP '2024-01-02 00:00:00.000000') AS m JOIN (SELECT object_id, seq, dt, tag FROM "minerva"."indices" WHERE dt = '2024-01-01-00' AND FALSE AND tag IN ('web') AND term = '10.1.2.3') AS hits ON m.dt = hits.dt AND m.object_id = hits.object_id AND m.seq = hits.seq) AS matched ORDER BY "timestamp" DESC, object_id, seq;

-- message fetch of a page (and of a phrase check batch)
SELECT tag, "timestamp", object_id, seq, source, message, raw, dt FROM "minerva"."messages" WHERE dt IN ('2024-01-01-05', '2024-01-01-07') AND ((dt = '2024-01-01-05' AND object_id = '0f3a' AND seq IN (3, 17)) OR (dt = '2024-01-01-07' AND object_id = '77b0' AND seq IN (0)));
