"""The warm-run cache: the built graph of a big program, kept so that the next
run of the same program loads it instead of parsing and building it again
(as CPython keeps byte code in ``__pycache__``).

An entry is keyed by the program's bytes (with ``--of`` and the names given
values), cgdiff's version, the grammar, the op table and the graph's layout,
and lives in the parser tables' folder (``$XDG_CACHE_HOME/cgdiff``, else
``~/.cache/cgdiff``) as ``graph-<key>.bin``. It is written atomically (a
temporary file renamed into place). An entry that is unreadable, truncated,
corrupt (its checksum differs) or stale (made for other bytes) is ignored and
written again; a failure to write is silent. The cache never changes a result:
the loaded graph is the built one, field for field.

Only programs of at least THRESHOLD characters are cached (smaller ones parse
faster than an entry loads). ``--no-cache`` or ``CGDIFF_NO_CACHE=1`` turn the
cache off; ``CGDIFF_CACHE_MB`` caps the entries' total size (default 1024 MB),
evicting the least recently used first.
"""

from __future__ import annotations

import dataclasses
import marshal
import os
import struct
import sys
import zlib
from array import array

from . import ops
from .graph import Graph
from .text import no_gc

#: Programs shorter than this (in characters) are not cached.
THRESHOLD = 100_000
#: The default size cap of all entries together, in MB.
DEFAULT_CAP_MB = 1024
_FORMAT = 1
_MAGIC = b"cgdiffG1"
_HEADER = struct.Struct("<8s32sIQ")  # magic, key, crc32 of the payload, payload length


#: The command line's choice for this run (``--no-cache``: False), else None.
command_line_choice: bool | None = None


def enabled(choice: bool | None = None) -> bool:
    """Whether to use the cache: ``choice`` if given, else the command line's,
    else unless CGDIFF_NO_CACHE is set (to anything but "" or "0")."""
    for given in (choice, command_line_choice):
        if given is not None:
            return given
    return os.environ.get("CGDIFF_NO_CACHE", "") in ("", "0")


def folder() -> str:
    from ._lalr import cache_folder

    return cache_folder()


def _key(source: str, of, given) -> bytes:
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    from .parser import grammar_text

    try:
        release = version("cgdiff")
    except PackageNotFoundError:
        release = "unknown"
    h = hashlib.sha256()
    for part in (str(_FORMAT), release, sys.version.split()[0], grammar_text(),
                 ",".join(f.name for f in dataclasses.fields(Graph)),
                 ",".join(sorted(ops.BY_NAME)), repr(of), repr(sorted(given or ()))):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    h.update(source.encode("utf-8", "surrogatepass"))
    return h.digest()


def _path(key: bytes) -> str:
    return os.path.join(folder(), f"graph-{key[:16].hex()}.bin")


def fetch(source: str, of=None, given=()) -> Graph | None:
    """The cached graph of this program, or None (no entry, or a bad one)."""
    try:
        key = _key(source, of, given)
        path = _path(key)
        with open(path, "rb") as f:
            head = f.read(_HEADER.size)
            magic, stored_key, crc, length = _HEADER.unpack(head)
            if magic != _MAGIC or stored_key != key:
                return None
            payload = f.read(length + 1)
        if len(payload) != length or zlib.crc32(payload) != crc:
            return None
        with no_gc():
            graph = _thaw(marshal.loads(payload), source)
        try:
            os.utime(path)  # recently used: evicted last
        except OSError:
            pass
        return graph
    except Exception:  # missing, unreadable, truncated, not ours: build it
        return None


def store(graph: Graph, source: str, of=None, given=()) -> bool:
    """Write the graph's entry (atomically), then evict old entries over the cap.
    False when the graph cannot be cached or the write failed."""
    from .outfile import write_quietly

    try:
        payload = _freeze(graph)
        if payload is None:
            return False
        key = _key(source, of, given)
        path = _path(key)
        cap = _cap_bytes()
        if len(payload) + _HEADER.size > cap:
            return False
    except Exception:
        return False
    header = _HEADER.pack(_MAGIC, key, zlib.crc32(payload), len(payload))
    if not write_quietly(path, lambda handle: (handle.write(header), handle.write(payload))):
        return False
    try:
        evict(cap, keep=path)
    except OSError:
        pass  # an entry another run removed first
    return True


def _cap_bytes() -> int:
    try:
        mb = float(os.environ.get("CGDIFF_CACHE_MB", DEFAULT_CAP_MB))
    except ValueError:
        mb = DEFAULT_CAP_MB
    return int(mb * 1_000_000)


def evict(cap: int, keep: str | None = None) -> None:
    """Delete the least recently used entries until the rest fit in ``cap`` bytes."""
    base = folder()
    entries = []
    for name in os.listdir(base):
        if name.startswith("graph-") and name.endswith(".bin"):
            path = os.path.join(base, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            entries.append((path != keep, st.st_mtime, st.st_size, path))
    total = sum(size for _, _, size, _ in entries)
    # Oldest first; the entry just written last of all.
    for _, _, size, path in sorted(entries, key=lambda e: (not e[0], e[1])):
        if total <= cap:
            break
        try:
            os.unlink(path)
            total -= size
        except OSError:
            pass


def _freeze(graph: Graph) -> bytes | None:
    """The graph's fields (not its source: that is the key) as marshal bytes;
    None if a field holds something marshal cannot store."""
    names: list[str] = []
    number: dict[str, int] = {}
    fields = {}
    for f in dataclasses.fields(graph):
        if f.name == "source":
            continue
        value = getattr(graph, f.name)
        if f.name == "op":
            codes = array("H")
            for op in value:
                if ops.BY_NAME.get(op.name) is not op:
                    return None  # an op outside the table (made at run time)
                code = number.get(op.name)
                if code is None:
                    code = number[op.name] = len(names)
                    names.append(op.name)
                codes.append(code)
            fields[f.name] = ("ops", names, codes.tobytes())
        elif isinstance(value, array):
            fields[f.name] = ("array", value.typecode, value.tobytes())
        else:
            fields[f.name] = ("value", value)
    try:
        return marshal.dumps(fields)
    except ValueError:  # e.g. user-function calls (objects): not cached
        return None


def _thaw(fields: dict, source: str) -> Graph:
    graph = Graph.__new__(Graph)
    graph.source = source
    for f in dataclasses.fields(Graph):
        if f.name == "source":
            continue
        kind, *data = fields[f.name]
        if kind == "ops":
            names, codes = data
            table = [ops.BY_NAME[name] for name in names]
            codes_array = array("H")
            codes_array.frombytes(codes)
            value = [table[c] for c in codes_array]
        elif kind == "array":
            value = array(data[0])
            value.frombytes(data[1])
        else:
            value = data[0]
        setattr(graph, f.name, value)
    return graph
