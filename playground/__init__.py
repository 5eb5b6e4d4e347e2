"""Agora without a Discord account: a local Discord (`playground.emulator`) that tests and people both use."""
