"""The one safe reader of the kit's YAML files (project parameter files, ``_defaults.yaml``,
``_portfolio.yaml``) and of the small files they point to.

Parameter files are short hand-written mappings, so the loader refuses what such a
file never needs but an accident or an attacker could use, each as a
:class:`~pmoreports.errors.ParamsError` naming the file (and the line):

- a file over :data:`MAX_YAML_BYTES` (checked before a byte is parsed), a folder, a
  device or a pipe;
- bytes that are not UTF-8 text (UTF-16, binary junk);
- anchors and aliases (``&name`` / ``*name``), which an alias bomb ("billion laughs")
  needs to grow a few lines into gigabytes;
- tags other than the plain YAML types (``!!python/object``, ``!!binary``...);
- nesting deeper than :data:`MAX_DEPTH`;
- a key given twice in one mapping, at any level (YAML would silently keep the last).

Values quoted in messages are cut by :func:`~pmoreports.errors.shown`.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import Any, Final

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import ParamsError, shown

__all__ = ["MAX_DEPTH", "MAX_YAML_BYTES", "Refused", "format_size", "load_yaml", "read_capped"]

MAX_YAML_BYTES: Final = 1_000_000
"""Largest YAML file read, in bytes (a parameter file is a few hundred bytes)."""
MAX_DEPTH: Final = 20
"""Deepest nesting of mappings and lists in a YAML file (parameter files use 3)."""

_YAML = "tag:yaml.org,2002:"
_PLAIN_TAGS: Final = frozenset(_YAML + t for t in ("null", "bool", "int", "float", "str", "timestamp", "seq", "map"))
_NOT_IMPLICIT: Final = frozenset({_YAML + "value", _YAML + "merge"})
"""Implicit types of YAML 1.1 that parameter files do without: a bare ``=`` is the text
"=", and ``<<`` is a plain key (merge keys only make sense with aliases)."""


class Refused(ParamsError):
    """A file that cannot be used; ``str()`` says why, without the file name (callers add it)."""


def format_size(size: int) -> str:
    """A byte count for people: ``512 bytes``, ``12.5 kB``, ``1 MB``, ``52.4 MB`` (decimal units)."""
    if size < 1_000:
        return f"{size:,} bytes"
    value, unit = (size / 1_000_000, "MB") if size >= 1_000_000 else (size / 1_000, "kB")
    return f"{value:,.1f}".removesuffix(".0") + f" {unit}"


def read_capped(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path``, refusing (:class:`Refused`) anything that is
    not one or is over ``limit`` bytes; ``what`` names the file's role in the reasons.

    The size is checked before reading, and at most ``limit + 1`` bytes are ever read, so
    a huge file, a device such as ``/dev/zero`` or a pipe costs nothing.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise Refused(f"{what} not found") from None
    except OSError as exc:
        raise Refused(f"cannot be read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise Refused(f"is a folder, not a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"is not a regular file (a device, pipe or socket), not a {what}")
        if info.st_size > limit:
            raise Refused(f"is {format_size(info.st_size)}; a {what} is at most {format_size(limit)}")
        data = _read(fd, limit + 1)
    except OSError as exc:
        raise Refused(f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise Refused(f"is over {format_size(limit)}; a {what} is at most {format_size(limit)}")
    return data


def _read(fd: int, size: int) -> bytes:
    chunks = []
    while size > 0 and (chunk := os.read(fd, min(size, 1 << 20))):
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def load_yaml(path: Path, what: str = "parameter file") -> dict[str, Any]:
    """The mapping in the YAML file ``path`` (``{}`` when empty), read safely (see the module).

    Raises :class:`ParamsError` naming ``path`` and the line; every duplicate key and
    every refused tag of the file is listed at once.
    """
    try:
        text = _decode(read_capped(path, MAX_YAML_BYTES, what))
    except Refused as exc:
        raise ParamsError(f"{path}: {exc}") from None
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return {}
        problems = _check_tree(loader, node)
        if problems:
            raise ParamsError("\n".join(f"{path}: {p}" for p in problems))
        data = loader.construct_document(node)
    except _Refused as exc:
        raise ParamsError(f"{path}: line {exc.line}: {exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ParamsError(f"{path}:{where} not valid YAML ({_cut(exc.problem or exc.context, 200)})") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ParamsError(f"{path}: line {line}: the control character #x{exc.character:02x} is not allowed") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({_cut(str(exc))})") from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected 'key: value' lines, found a {type(data).__name__}")
    return data


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise Refused("is UTF-16 or UTF-32 text; save it as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise Refused(f"is not a text file (a NUL byte on line {line})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Refused(f"is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); save it as UTF-8") from None


def _cut(text: str | None, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else f"{text[:limit]}…"


class _Refused(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader without anchors, aliases, merge keys and ``=`` values, with a depth bound,
    that turns a value Python cannot build (a date 2026-13-45, an integer of 5,000
    digits) into a YAML error at its line."""

    yaml_implicit_resolvers = {  # noqa: RUF012  (a class attribute, as in PyYAML)
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _NOT_IMPLICIT]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(
                event.start_mark.line + 1,
                "YAML anchors and aliases (&name, *name) are not allowed in parameter files; "
                "write the value out (shared values go in _defaults.yaml)",
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(event.start_mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            found = shown(node.value) if isinstance(node, ScalarNode) else "this value"
            kind = _short_tag(node.tag).removeprefix("!!")
            reason = "too many digits" if kind == "int" else _cut(str(exc), 60)
            problem = f"{found} is not a valid {kind} ({reason})"
            raise ConstructorError(None, None, problem, node.start_mark) from None


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML) if tag.startswith(_YAML) else tag


def _check_tree(loader: _Loader, root: Node) -> list[str]:
    """Duplicate keys (with both lines) and refused tags anywhere under ``root``."""
    problems: list[str] = []
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, where = stack.pop()
        if node.tag not in _PLAIN_TAGS:
            problems.append(
                f"line {node.start_mark.line + 1}: the tag {shown(_short_tag(node.tag))} is not allowed; "
                "parameter files hold plain text, numbers, true/false, dates, lists and mappings"
            )
            continue
        if isinstance(node, SequenceNode):
            stack.extend((item, f"{where}[{i}]") for i, item in reversed(list(enumerate(node.value))))
        elif isinstance(node, MappingNode):
            problems.extend(_duplicates(loader, node, where))
            for key, value in reversed(node.value):
                stack.extend([(value, f"{where}.{key.value}" if where else str(key.value)), (key, where)])
    return problems


def _duplicates(loader: _Loader, node: MappingNode, where: str) -> list[str]:
    seen: dict[Any, int] = {}
    found = []
    for key_node, _ in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag not in _PLAIN_TAGS:
            continue  # the constructor refuses unhashable keys; _check_tree refuses tags
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        if key in seen:
            name = f"{where}.{key}" if where else str(key)
            found.append(
                f"duplicate key {shown(name)} on line {seen[key]} and line {line}; "
                "YAML would keep only the last one, so delete one of them"
            )
        else:
            seen[key] = line
    return found
