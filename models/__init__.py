"""The domain of Agora, one module (or package) per capability: tables, pure rules, use cases.

Nothing in here imports discord: the rules are plain functions that tests call directly.
"""
