"""Loopback servers that speak real wire protocols, scripted reply by reply."""
