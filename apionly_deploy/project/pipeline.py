"""The project pipeline shared by render, package, deploy and diff: load, build, check, render."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from apionly_deploy.check.rules import Finding, Severity
from apionly_deploy.check.validate import sort_findings, validate_components, validate_rendered
from apionly_deploy.errors import ContentError
from apionly_deploy.model.components import Bundle
from apionly_deploy.project.config import Project, load_project
from apionly_deploy.project.declarations import build_bundle
from apionly_deploy.render.package import build_package
from apionly_deploy.render.templates import Layout, render_files

TEMPLATES_DIR = "templates"


@dataclass(frozen=True, slots=True)
class Built:
    """A loaded project, its components, and the validation findings on them."""

    project: Project
    bundle: Bundle
    findings: tuple[Finding, ...]

    @property
    def template_dir(self) -> Path:
        """Return the project's own template folder (it may not exist)."""
        return self.project.root / TEMPLATES_DIR

    def render(self, layout: Layout) -> dict[str, bytes]:
        """Return the rendered files for ``layout``."""
        return render_files(
            self.bundle, layout=layout, template_dir=self.template_dir, variables=self.project.vars
        )

    def package(self) -> bytes:
        """Return the deployable zip."""
        return build_package(
            self.bundle, template_dir=self.template_dir, variables=self.project.vars
        )


class ValidationFailed(ContentError):
    """Validation found errors, so nothing was written."""

    def __init__(self, message: str, findings: Sequence[Finding]) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


def build_project(
    project_dir: Path,
    *,
    org: str | None = None,
    validate: bool = True,
    bypass: str | None = "--no-validate",
) -> Built:
    """Load and build the project; with ``validate`` run the checks ``validate`` runs and raise
    ValidationFailed on error findings (naming ``bypass``, the caller's flag to write anyway,
    when it has one)."""
    project = load_project(project_dir, org=org)
    built = Built(project=project, bundle=build_bundle(project), findings=())
    if not validate:
        return built
    findings = check_built(built)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        raise ValidationFailed(
            f"{len(errors)} validation error(s) in {project.source.path}; nothing was written "
            + (f"(fix them, or pass {bypass} to write anyway)" if bypass else "(fix them)"),
            findings,
        )
    return dataclasses.replace(built, findings=tuple(findings))


def check_built(built: Built) -> list[Finding]:
    """Check a built project: rules on its model (findings point into apionly.toml), then the
    schema of what it renders (findings point at the rendered source-layout paths). ``validate``
    reports these and render, package and deploy refuse to write on their errors: one set."""
    api_version = built.bundle.api_version
    findings = validate_components(built.bundle.components, api_version=api_version)
    findings += validate_rendered(built.render(Layout.SOURCE), api_version=api_version)
    return sort_findings(findings)


def validate_project(project_dir: Path, *, org: str | None = None) -> list[Finding]:
    """Check a project as render, package and deploy do before writing."""
    return check_built(build_project(project_dir, org=org, validate=False))
