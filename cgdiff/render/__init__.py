"""Renderers: the one place results are formatted, for people and for scripts.

``data`` (json, csv, plain) needs only the standard library; ``table`` needs
Rich and is imported only when a table is asked for.
"""
