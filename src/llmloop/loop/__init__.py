"""The loop itself: harvesting failing production cases, loop status and the demo."""
