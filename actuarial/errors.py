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


class UsageError(ActuarialError, ValueError):
    """A command-line option has a value the toolkit cannot use (``--seed -1``)."""


class OutputError(ActuarialError, OSError):
    """An output folder cannot be used: not writable, a file in its place, or it already
    holds a run's outputs and ``--force`` was not given."""


HOW_TO_SAVE = ("save it as UTF-8 (Excel: Save As > 'CSV UTF-8'; Notepad/WPS: Save As > "
               "encoding UTF-8)")


def decode_text(data: bytes, path, error: type[ActuarialError] = None) -> str:
    """Decode a text file's bytes: UTF-8 (with or without a byte-order mark) or GBK/GB18030
    (the usual encoding of files saved by Chinese-language Excel and WPS). Anything else
    (UTF-16, a binary file such as an Excel workbook, text in another code page) raises
    ``error`` (default :class:`AssumptionError`) naming the file and saying how to save it."""
    error = error or AssumptionError
    where = {"file": path} if error is AssumptionError else {}
    prefix = "" if error is AssumptionError else f"{path}: "
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(prefix + f"is UTF-16 text (Excel 'Unicode text'); {HOW_TO_SAVE}", **where)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise error(prefix + f"is an Excel workbook, not a text file; {HOW_TO_SAVE}", **where)
    if b"\x00" in data:
        raise error(prefix + f"holds NUL bytes: not a text file; {HOW_TO_SAVE}", **where)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    raise error(prefix + f"is neither UTF-8 nor GBK text (undecodable byte "
                f"0x{data[first_bad]:02x} at offset {first_bad}); {HOW_TO_SAVE}", **where)


def read_text(path, error: type[ActuarialError] = None, what: str = "file") -> str:
    """Read a text file in UTF-8, UTF-8 with BOM or GBK (see :func:`decode_text`); a missing or
    unreadable file raises ``error`` naming it."""
    from pathlib import Path

    error = error or AssumptionError
    path = Path(path)
    where = {"file": path} if error is AssumptionError else {}
    prefix = "" if error is AssumptionError else f"{path}: "
    if not path.is_file():
        raise error(prefix + f"{what} not found", **where)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(prefix + f"cannot be read ({exc.strerror or exc})", **where) from None
    return decode_text(data, path, error)


def parse_yaml(text: str):
    """``yaml.safe_load`` with libyaml's C parser when PyYAML has it (about ten times faster
    than the pure-Python one on an assumption file; the same documents, the same errors
    ``yaml.YAMLError``)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_yaml(path, error: type[ActuarialError], what: str):
    """Parse a YAML file, raising ``error`` with the path when it is missing or not YAML."""
    import yaml
    from pathlib import Path

    path = Path(path)
    text = read_text(path, error, what)
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {one_line(exc)}") from None
    except RecursionError:
        raise error(f"{path}: not valid YAML: nested too deeply") from None


def one_line(exc) -> str:
    """An exception's message on one line (YAML parser messages span several)."""
    return " ".join(str(exc).split())


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
