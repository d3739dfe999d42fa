"""Retrieve Profiles, Permission Sets and Groups from an org into files.

``fetch`` asks the org and waits, ``files`` unpacks safely and writes atomically, ``into``
puts both together. Turning components into ``apionly.toml`` tables is the project's job
(``apionly_deploy.project.to_config``).
"""

from apionly_deploy.salesforce.retrieve.fetch import RETRIEVABLE, Selection, retrieve
from apionly_deploy.salesforce.retrieve.into import Retrieved, retrieve_into

__all__ = ["RETRIEVABLE", "Retrieved", "Selection", "retrieve", "retrieve_into"]
