"""The project: ``apionly.toml`` read into components (config, TOML readers, typed values,
declarations, login limits, the pipeline), written back (``to_config``), and ``init``'s scaffold."""
