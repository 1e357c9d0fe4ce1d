-- field census of a day (autocomplete)
SELECT field, COUNT(*) AS n FROM "minerva"."indices" WHERE dt >= '2024-01-01-00' AND dt <= '2024-01-01-23' AND field <> '' GROUP BY field ORDER BY n DESC, field LIMIT 200;
