"""The VM suites, one per file: each has run(out, layout, screens, timings)."""
