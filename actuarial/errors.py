"""The package's own exception types.

Every error a user can cause (a bad assumption file, a bad job file, an impossible setting)
is raised as one of these, with a message that names the file, the field, the value and what
was expected, so that a person can act on it without reading a traceback.
"""

from __future__ import annotations


class ActuarialError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class AssumptionError(ActuarialError, ValueError):
    """An assumption file or table is missing, malformed or holds an impossible value.

    Attributes
    ----------
    file : str or None
        Path of the offending file.
    field : str or None
        Dotted path of the field (``employee.employer_rate.values.2024``) or a table column.
    value : object
        The offending value, when there is one.
    expected : str or None
        What would have been accepted.
    """

    def __init__(self, message: str, *, file=None, field=None, value=None, expected=None):
        self.file = None if file is None else str(file)
        self.field = field
        self.value = value
        self.expected = expected
        parts = []
        if self.file:
            parts.append(self.file)
        if field:
            parts.append(f"field '{field}'")
        head = ": ".join(parts)
        text = message
        if value is not None and "value" not in message:
            text += f" (got {value!r})"
        if expected and "expected" not in message:
            text += f"; expected {expected}"
        super().__init__(f"{head}: {text}" if head else text)


class JobError(ActuarialError, ValueError):
    """A projection job file (``projections/*.yaml``) is malformed."""


class ProjectionError(ActuarialError, RuntimeError):
    """The engine was asked for something it cannot compute (for example a horizon < 0)."""


def read_yaml(path, error: type[ActuarialError], what: str):
    """Parse a YAML file, raising ``error`` with the path when it is missing or not YAML."""
    import yaml
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {what} not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from None


def validate_mapping(model, raw, error: type[ActuarialError], source, expected: str, describe_loc=None):
    """Validate YAML data against a pydantic ``model``; the first problem becomes ``error``
    naming ``source``, the field (``describe_loc(loc)`` may add context) and the value."""
    from pydantic import ValidationError

    if not isinstance(raw, dict):
        raise error(f"{source}: top level is not a mapping; expected keys {expected}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        if describe_loc is not None:
            loc += describe_loc(first["loc"])
        if first["type"] == "extra_forbidden":
            raise error(f"{source}: field '{loc}': unknown key; expected only {expected}") from None
        raise error(f"{source}: field '{loc}': {first['msg']} (got {first.get('input')!r})") from None
