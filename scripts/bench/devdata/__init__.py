"""Sources of the development data sets (see scripts/bench/make_dev_data.py)."""
