"""Formatters: findings, deploy results and diffs to text, Markdown, JSON, JUnit (no I/O)."""
