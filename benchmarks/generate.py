"""A synthetic large org, seeded and deterministic: 200 permission sets and 20 profiles over
500 objects and 50,000 fields, written as an apionly.toml project.

    python benchmarks/generate.py OUT_DIR [--seed 7]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

OBJECTS = 500
FIELDS_PER_OBJECT = 100  # 50,000 fields
PERMISSION_SETS = 200
PROFILES = 20
OBJECTS_PER_SET = 10  # 200 sets x 10 objects x 25 fields = 50,000 set field entries
FIELDS_PER_SET_OBJECT = 25
OBJECTS_PER_PROFILE = 50  # 20 profiles x 50 objects x 50 fields = 50,000 profile field entries
FIELDS_PER_PROFILE_OBJECT = 50
OBJECT_WORDS = ("read", "create", "edit", "delete")


def object_name(index: int) -> str:
    return f"Obj{index:03d}__c"


def field_name(obj: int, index: int) -> str:
    return f"{object_name(obj)}.Field{index:03d}__c"


def _object_line(rng: random.Random, obj: int) -> str:
    words = OBJECT_WORDS[: rng.randint(1, len(OBJECT_WORDS))]
    quoted = ", ".join(f'"{word}"' for word in words)
    return f"{object_name(obj)} = [{quoted}]"


def _fields_line(rng: random.Random, objects: list[int], per_object: int) -> str:
    parts = []
    for obj in objects:
        for index in rng.sample(range(FIELDS_PER_OBJECT), per_object):
            word = "edit" if rng.random() < 0.3 else "read"
            parts.append(f'"{field_name(obj, index)}" = "{word}"')
    return "fields = { " + ", ".join(sorted(parts)) + " }"


def project_text(seed: int = 7) -> str:
    """Return the project file of the synthetic org."""
    rng = random.Random(seed)
    lines = ['[project]\nname = "large-org"\napi_version = "62.0"\n']
    for number in range(PERMISSION_SETS):
        objects = sorted(rng.sample(range(OBJECTS), OBJECTS_PER_SET))
        lines += [
            f"[permission_sets.Set_{number:03d}]",
            f'label = "Set {number:03d}"',
            f"api_only = {'true' if number % 10 == 0 else 'false'}",
            'user_permissions = ["ViewSetup"]',
            "objects = { " + ", ".join(_object_line(rng, o) for o in objects) + " }",
            _fields_line(rng, objects, FIELDS_PER_SET_OBJECT),
            "",
        ]
    for number in range(PROFILES):
        objects = sorted(rng.sample(range(OBJECTS), OBJECTS_PER_PROFILE))
        lines += [
            f'[profiles."Profile {number:02d}"]',
            'user_license = "Salesforce"',
            "api_only = true",
            f'login_ip_ranges = [{{ start = "203.0.113.{number}", end = "203.0.113.{number}" }}]',
            "objects = { " + ", ".join(_object_line(rng, o) for o in objects) + " }",
            _fields_line(rng, objects, FIELDS_PER_PROFILE_OBJECT),
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "apionly.toml").write_text(project_text(args.seed))


if __name__ == "__main__":
    main()
