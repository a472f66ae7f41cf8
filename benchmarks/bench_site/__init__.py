"""The example site as served for the load test, plus a bare view that inserts one row."""
