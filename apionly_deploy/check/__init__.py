"""Offline checks: schema and rules on components or on files, as findings.

Never imports the project loader: the project path hands it components, the file path files."""
