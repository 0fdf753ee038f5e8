"""Import of the installed base from CSV and Parquet files, row by row validated."""
