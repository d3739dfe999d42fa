"""Salesforce API-only integration users as code."""

__version__ = "0.1.0"
