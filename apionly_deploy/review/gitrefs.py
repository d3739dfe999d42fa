"""Where the two sides of a diff come from: files or folders, the project at a git ref or now,
and what an org holds now.

A project at a git ref is exported with ``git archive`` into a temporary folder and rendered
there, so the user's checkout, index and worktree list are never touched.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from apionly_deploy.errors import ApionlyError, DiffInputError
from apionly_deploy.fileio import read_limited
from apionly_deploy.model import names
from apionly_deploy.model.components import Kind
from apionly_deploy.model.parse import parse_component_bytes, parse_component_file
from apionly_deploy.model.text import one_line
from apionly_deploy.review.diff import Side

WORKING_TREE = "working tree"
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})
_KINDS_TEXT = "Profile, PermissionSet, MutingPermissionSet or PermissionSetGroup"


# -- plain files and folders -----------------------------------------------------------------


def path_side(path: Path) -> Side:
    """Read every permission file in ``path`` (a file or a folder) into one side."""
    if not path.exists():
        raise DiffInputError(f"{path}: no such file or folder")
    if path.is_dir():
        files = sorted(_permission_files(path))
        if not files:
            raise DiffInputError(f"{path}: no {_KINDS_TEXT} files in this folder")
        return Side(str(path), tuple(parse_component_file(f) for f in files))
    if names.kind_of_file_name(path.name) is None and path.suffix.lower() != ".xml":
        raise DiffInputError(
            f"{path}: not a {_KINDS_TEXT} file (expected a name like X.permissionset-meta.xml)"
        )
    return Side(str(path), (parse_component_file(path),))


def _permission_files(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if any(p.startswith(".") or p in _SKIPPED_DIRS for p in parts[:-1]):
            continue
        if path.is_file() and names.kind_of_file_name(path.name) is not None:
            found.append(path)
    return found


def path_sides(a: Path, b: Path) -> tuple[Side, Side]:
    """Read both paths; two single files are compared with each other whatever their names."""
    if a.is_dir() != b.is_dir() and a.exists() and b.exists():
        raise DiffInputError(f"compare a file with a file or a folder with a folder: {a}, {b}")
    base, head = path_side(a), path_side(b)
    if a.is_dir():
        return base, head
    old, new = base.components[0], head.components[0]
    if old.kind is not new.kind:
        raise DiffInputError(
            f"{a} is a {old.kind} and {b} is a {new.kind}; compare two files of the same type"
        )
    return replace(base, components=(replace(old, name=new.name),)), head


# -- git -------------------------------------------------------------------------------------


def _run_git(repo: Path, args: Sequence[str]) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise ApionlyError("git is not installed; compare files or folders with PATH_A PATH_B")
    # An argument list, never a shell; refs that look like options are refused in resolve().
    return subprocess.run([git, "-C", str(repo), *args], capture_output=True, check=False)  # noqa: S603


def _git(repo: Path, *args: str) -> str:
    done = _run_git(repo, args)
    if done.returncode != 0:
        raise _GitFailed(done.stderr.decode(errors="replace").strip().splitlines()[-1:])
    return done.stdout.decode(errors="replace")


class _GitFailed(Exception):
    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__(lines[0] if lines else "")


def repo_root(path: Path) -> Path:
    """Return the top of the git work tree holding ``path``."""
    try:
        return Path(_git(path, "rev-parse", "--show-toplevel").strip())
    except _GitFailed:
        raise DiffInputError(
            f"{path} is not inside a git repository; compare folders with PATH_A PATH_B"
        ) from None


def resolve(repo: Path, ref: str) -> str:
    """Return the commit ``ref`` names; raise DiffInputError when there is none."""
    if ref.startswith("-"):
        raise DiffInputError(f"{ref!r} is not a git ref")
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
    except _GitFailed:
        raise DiffInputError(
            f"{ref!r} is not a branch, tag or commit in {repo} (try `git fetch` first)"
        ) from None


def default_base(repo: Path, *, prefer: str | None = None) -> tuple[str, str]:
    """Return (commit, label): the merge base of HEAD with the default branch.

    ``prefer`` names the branch to try first (in GitHub Actions, the pull request's base).
    """
    candidates = [f"origin/{prefer}", prefer] if prefer else []
    try:
        head_ref = _git(repo, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD").strip()
        candidates.append(head_ref.removeprefix("refs/remotes/"))
    except _GitFailed:
        pass
    candidates += ["origin/main", "origin/master", "main", "master"]
    for branch in candidates:
        try:
            _git(repo, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}")
            commit = _git(repo, "merge-base", branch, "HEAD").strip()
        except _GitFailed:
            continue
        return commit, f"{branch} (merge base {commit[:7]})"
    raise DiffInputError(
        f"cannot find the default branch of {repo} (tried {', '.join(candidates)}); "
        "name the base: apionly-deploy diff BASE"
    )


def dirty_note(repo: Path, project_dir: Path) -> str | None:
    """Return a note when the project folder has uncommitted changes, else None."""
    status = _git(repo, "status", "--porcelain", "--", str(project_dir.resolve()))
    if not status.strip():
        return None
    count = len(status.splitlines())
    where = project_dir.resolve().relative_to(repo.resolve()).as_posix()
    place = "in the repository" if where == "." else f"under {where}"
    return (
        f"the working tree has {count} uncommitted change(s) {place}; they are diffed as they are"
    )


def export(
    repo: Path, commit: str, subdir: PurePosixPath, into: Path
) -> tuple[Path, tuple[str, ...]]:
    """Write the tree of ``commit`` under ``subdir`` into ``into``.

    Return the project folder and a note per entry left out: a symbolic link that is absolute
    or leaves the tree (a commit may hold ``x -> /etc/passwd``) is never written.
    """
    spec = [] if str(subdir) == "." else ["--", str(subdir)]
    done = _run_git(repo, ["archive", "--format=tar", commit, *spec])
    if done.returncode != 0:
        raise DiffInputError(f"the project folder {subdir} does not exist at {commit[:7]}")
    skipped: list[str] = []

    def data_or_skip(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        try:
            return tarfile.data_filter(member, path)
        except tarfile.FilterError as exc:
            skipped.append(f"{commit[:7]}:{one_line(member.name)}: left out ({exc})")
            return None

    with tarfile.open(fileobj=io.BytesIO(done.stdout), mode="r:") as archive:
        archive.extractall(into, filter=data_or_skip)  # noqa: S202 - the data filter, per entry
    return into / subdir, tuple(skipped)


# -- a project, now or at a ref --------------------------------------------------------------


def project_side(
    project_dir: Path, *, label: str, notes: tuple[str, ...] = (), org: str | None = None
) -> Side:
    """Render the project (with ``org``'s variables) and read the rendered files back: exactly
    what a deploy would send."""
    from apionly_deploy.project.pipeline import (
        TEMPLATES_DIR,
        build_project,  # the render stack loads only when used
    )
    from apionly_deploy.render.templates import MAX_TEMPLATE_BYTES, Layout

    templates = template_digests(project_dir / TEMPLATES_DIR, limit=MAX_TEMPLATE_BYTES)
    built = build_project(project_dir, org=org, validate=False)
    files = built.render(Layout.MDAPI)
    components = tuple(
        parse_component_bytes(data, name=names.component_name(path_name), source=f"{label}:{path}")
        for path, data in sorted(files.items())
        if names.kind_of_file_name(path_name := PurePosixPath(path).name) is not None
    )
    return Side(
        label, components, deletions=built.bundle.deletions, notes=notes, templates=templates
    )


def template_digests(folder: Path, *, limit: int) -> dict[str, str]:
    """Return ``relative path -> short sha256`` of every file under a templates folder.

    Links are never followed (a link is described by its target), and a file that cannot be
    read is still listed, so any change to the folder shows up in the diff.
    """
    found: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in files:
            path = Path(root, name)
            found[path.relative_to(folder).as_posix()] = _digest(path, limit)
    return found


def _digest(path: Path, limit: int) -> str:
    if path.is_symlink():
        return f"link to {one_line(os.readlink(path))}"
    try:
        data = read_limited(path, limit)
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    return f"sha256 {hashlib.sha256(data).hexdigest()[:12]}"


def ref_side(
    project_dir: Path, ref: str | None, *, prefer: str | None = None, org: str | None = None
) -> Side:
    """Return the project rendered at ``ref`` (None: the merge base with the default branch)."""
    repo = repo_root(project_dir)
    if ref is None:
        commit, label = default_base(repo, prefer=prefer)
    else:
        commit = resolve(repo, ref)
        label = f"{ref} ({commit[:7]})"
    subdir = PurePosixPath(project_dir.resolve().relative_to(repo.resolve()).as_posix())
    with tempfile.TemporaryDirectory(prefix="apionly-diff-") as tmp:
        folder, skipped = export(repo, commit, subdir, Path(tmp))
        return project_side(folder, label=label, org=org, notes=skipped)


def worktree_side(project_dir: Path, *, org: str | None = None) -> Side:
    """Return the project as it is on disk, noting uncommitted changes when in git."""
    notes: tuple[str, ...] = ()
    try:
        repo = repo_root(project_dir)
        note = dirty_note(repo, project_dir)
        notes = (note,) if note else ()
    except DiffInputError:
        pass
    return project_side(project_dir, label=WORKING_TREE, notes=notes, org=org)


# -- an org, now -----------------------------------------------------------------------------


def org_sides(
    project_dir: Path,
    org: str,
    *,
    environ: Mapping[str, str],
    timeout: float = 600.0,
    vars_org: str | None = None,
) -> tuple[Side, Side]:
    """Return (what ``org`` holds now for the project's components, the project as it is,
    rendered with ``vars_org``'s variables, default ``org``'s)."""
    # The deploy stack (auth, SOAP, the local org) loads only for --org.
    from apionly_deploy.project.config import load_project
    from apionly_deploy.salesforce.deploy.connection import connect_to
    from apionly_deploy.salesforce.retrieve import RETRIEVABLE, Selection, retrieve
    from apionly_deploy.salesforce.retrieve.files import permission_files, unpack

    head = worktree_side(project_dir, org=vars_org or org)
    project = load_project(project_dir)
    wanted: dict[Kind, list[str]] = {}
    for component in head.components:
        if component.kind in RETRIEVABLE:
            wanted.setdefault(component.kind, []).append(component.name)
    if not wanted:
        return Side(f"org {org}", ()), head
    with connect_to(org, project=project, project_dir=project_dir, environ=environ) as conn:
        result = retrieve(conn.client(), Selection(wanted), timeout=timeout, relogin=conn.relogin)
    found = permission_files(unpack(result.zip_file or b""))
    components = tuple(
        parse_component_bytes(data, name=name, source=f"org {org}:{kind.folder}/{name}")
        for (kind, name), data in sorted(found.items())
    )
    notes = tuple(f"org {org}: {m.file_name}: {m.problem}" for m in result.messages)
    return Side(f"org {org}", components, notes=notes), head
