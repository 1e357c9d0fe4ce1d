CREATE DATABASE IF NOT EXISTS `minerva`;

CREATE EXTERNAL TABLE IF NOT EXISTS `minerva`.`indices` (
  `tag` string,
  `field` string,
  `term` string,
  `object_id` string,
  `seq` bigint
)
PARTITIONED BY (`dt` string)
STORED AS PARQUET
LOCATION 's3://minerva-index/prod/indices/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd-HH',
  'projection.dt.range' = '2000-01-01-00,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'HOURS',
  'storage.location.template' = 's3://minerva-index/prod/indices/dt=${dt}/',
  'parquet.compression' = 'ZSTD',
  'minerva.format_version' = '2'
);

CREATE EXTERNAL TABLE IF NOT EXISTS `minerva`.`messages` (
  `tag` string,
  `timestamp` timestamp,
  `object_id` string,
  `seq` bigint,
  `source` string,
  `message` string,
  `raw` binary
)
PARTITIONED BY (`dt` string)
STORED AS PARQUET
LOCATION 's3://minerva-index/prod/messages/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd-HH',
  'projection.dt.range' = '2000-01-01-00,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'HOURS',
  'storage.location.template' = 's3://minerva-index/prod/messages/dt=${dt}/',
  'parquet.compression' = 'ZSTD',
  'minerva.format_version' = '2'
);
