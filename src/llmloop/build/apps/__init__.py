"""Apps: spec files, the checks a spec must pass where it is pushed, and how a version runs."""
