"""The analytics batch: every analytics stage on one engine, DuckDB or Spark, through Ibis.

``run_batch(engine, ...)`` runs telemetry compaction, availability per machine and contract
period, features, segments, leads, model scoring, CLV and billing usage over partitioned
Parquet (by month and a hash of the machine) and writes the results back to the records
database in bulk. The same Ibis expressions run on both engines.
"""
