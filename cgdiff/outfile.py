"""Every file cgdiff writes goes through here, so nothing the user had is lost.

The one mechanism: the new content goes to a temporary file in the target's
own folder, and is renamed over the target only once it is complete. A
failure, a full disk or Ctrl-C part-way leaves the old file as it was (and no
temporary file behind). On top of that:

- ``-`` (or None) is standard output, for every writer;
- a file cgdiff is reading in this run (the program, the data) is never
  written over: :func:`reading` records it, every writer checks it;
- :func:`write_set` writes several files all or none: every target is checked
  before any is written, all are written to temporary files, and only then
  renamed into place (a rename that fails puts back the ones already done);
- :func:`write_with_command` lets a program such as Graphviz's ``dot`` write
  the temporary file, with a time limit, and kills it on Ctrl-C;
- a target that exists and is not a regular file (``/dev/null``, ``/dev/full``,
  a pipe) is written in place, as a shell redirection would;
- a symbolic link is followed: its target is replaced, the link stays;
- a replaced file keeps its permissions; a new one gets the umask's.

Every error names the file: ``cannot write out.svg: No space left on device``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from typing import IO, Iterable, Iterator, Sequence

from .errors import CommandFailedError, OutputError
from .text import clip

STDOUT = "-"

#: (device, inode) of every file this run reads; see :func:`reading`.
_reading: set[tuple[int, int]] = set()


def is_stdout(path: str | os.PathLike | None) -> bool:
    """Whether ``path`` means standard output: None or ``-``."""
    return path is None or os.fspath(path) == STDOUT


def reading(source: str | os.PathLike | IO | int | None) -> None:
    """Record that this run reads ``source`` (a path, an open file or a file
    descriptor), so that no writer replaces it. Anything that is not a file
    on disk (a string argument, a pipe) is ignored."""
    if source is None:
        return
    try:
        if isinstance(source, (str, os.PathLike)):
            info = os.stat(source)
        else:
            info = os.fstat(source if isinstance(source, int) else source.fileno())
    except (OSError, AttributeError, ValueError, TypeError):
        return
    if stat.S_ISREG(info.st_mode):
        _reading.add((info.st_dev, info.st_ino))


def forget_reading() -> None:
    """Forget every recorded input (the CLI calls it as each command starts)."""
    _reading.clear()


def _name(path: str | os.PathLike) -> str:
    return clip(os.fspath(path), 200)


def _problem(path: str | os.PathLike, error: OSError | str) -> OutputError:
    reason = error if isinstance(error, str) else (error.strerror or str(error))
    return OutputError(f"cannot write {_name(path)}: {reason}")


def _target(path: str | os.PathLike) -> tuple[str, os.stat_result | None]:
    """The real file to replace (links followed) and its status, or None when
    it does not exist yet; an error when it cannot be written to at all."""
    name = os.fspath(path)
    if not name:
        raise OutputError("the output file name is empty")
    real = os.path.realpath(name)
    try:
        info = os.stat(real)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise _problem(name, error) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise _problem(name, "it is a directory")
        if (info.st_dev, info.st_ino) in _reading:
            raise _problem(name, "it is a file this command is reading (the program or its "
                                 "data); choose another output file")
    folder = os.path.dirname(real) or "."
    if info is None or stat.S_ISREG(info.st_mode):
        if not os.path.isdir(folder):
            raise _problem(name, f"the folder {_name(os.path.dirname(name) or '.')} "
                                 "does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise _problem(name, f"the folder {_name(os.path.dirname(name) or '.')} "
                                 "is not writable")
    return real, info


def check(path: str | os.PathLike | None) -> None:
    """Raise the error writing ``path`` would meet before anything is written
    (it is being read, is a directory, its folder is missing or read-only)."""
    if not is_stdout(path):
        _target(path)


def _temporary(real: str) -> tuple[int, str]:
    folder, base = os.path.split(real)
    return tempfile.mkstemp(prefix=f".{base[:100]}.", suffix=".tmp", dir=folder or ".")


def _mode(info: os.stat_result | None) -> int:
    if info is not None:
        return stat.S_IMODE(info.st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _remove(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


@contextlib.contextmanager
def replacing(path: str | os.PathLike | None, binary: bool = False) -> Iterator[IO]:
    """An open file whose content replaces ``path`` when the block ends
    without an error; on any error, Ctrl-C included, ``path`` is unchanged.

    ``-`` or None gives standard output. Text is UTF-8.
    """
    if is_stdout(path):
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    name = os.fspath(path)
    real, info = _target(name)
    if info is not None and not stat.S_ISREG(info.st_mode):
        yield from _in_place(name, real, binary)
        return
    try:
        descriptor, temporary = _temporary(real)
    except OSError as error:
        raise _problem(name, error) from None
    try:
        with _wrapping(name, os.fdopen(descriptor, "wb" if binary else "w",
                                       **({} if binary else {"encoding": "utf-8"}))) as handle:
            yield handle
        _finish(name, temporary, real, info)
    except BaseException:
        _remove(temporary)
        raise


def _in_place(name: str, real: str, binary: bool) -> Iterator[IO]:
    """A device or pipe: written directly, as ``> /dev/null`` would."""
    try:
        handle = open(real, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"}))
    except OSError as error:
        raise _problem(name, error) from None
    with _wrapping(name, handle) as handle:
        yield handle


@contextlib.contextmanager
def _wrapping(name: str, handle: IO) -> Iterator[IO]:
    """``handle``, closed at the end; an OSError while writing or closing it
    (a full disk) becomes an error naming the file."""
    try:
        try:
            yield handle
        finally:
            handle.close()
    except OSError as error:
        raise _problem(name, error) from None


def _finish(name: str, temporary: str, real: str, info: os.stat_result | None) -> None:
    try:
        os.chmod(temporary, _mode(info))
        os.replace(temporary, real)
    except OSError as error:
        raise _problem(name, error) from None


def write_quietly(path: str, write) -> bool:
    """A cache entry: ``write(handle)`` fills a binary file that replaces
    ``path`` as every file is replaced here, but quietly. A read-only or full
    cache folder is not the user's problem, only a False: the caller builds
    the content again next time."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with replacing(path, binary=True) as handle:
            write(handle)
        return True
    except Exception:
        return False


def write_text(path: str | os.PathLike | None, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8), atomically; ``-``/None: stdout."""
    with replacing(path) as handle:
        handle.write(text)


def write_bytes(path: str | os.PathLike | None, data: bytes) -> None:
    """Replace ``path`` with ``data``, atomically; ``-``/None: stdout."""
    with replacing(path, binary=True) as handle:
        handle.write(data)


def write_set(files: Sequence[tuple[str | os.PathLike, str | bytes]]) -> None:
    """Write every ``(path, content)`` or none of them.

    Every target is checked first (not read by this run, not a directory,
    folder writable, no name twice); then each content goes to a temporary
    file beside its target; only when all are complete are they renamed into
    place. If a rename fails, the files already replaced get their old
    content back. Devices and pipes are not allowed in a set.
    """
    targets: list[tuple[str, str, os.stat_result | None]] = []
    seen: set[str] = set()
    for path, _ in files:
        name = os.fspath(path)
        if is_stdout(name):
            raise OutputError("a set of files cannot go to standard output ('-')")
        real, info = _target(name)
        if real in seen:
            raise _problem(name, "it is named twice in this set")
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise _problem(name, "it is not a regular file")
        seen.add(real)
        targets.append((name, real, info))
    temporaries: list[str] = []
    backups: list[tuple[str, str | None]] = []  # (real, backup or None if it was new)
    try:
        for (name, real, info), (_, content) in zip(targets, files):
            try:
                descriptor, temporary = _temporary(real)
            except OSError as error:
                raise _problem(name, error) from None
            temporaries.append(temporary)
            binary = isinstance(content, bytes)
            with _wrapping(name, os.fdopen(descriptor, "wb" if binary else "w",
                                           **({} if binary else {"encoding": "utf-8"}))) as out:
                out.write(content)
            try:
                os.chmod(temporary, _mode(info))
            except OSError as error:
                raise _problem(name, error) from None
        for (name, real, info), temporary in zip(targets, temporaries):
            backup = None
            if info is not None:
                backup = _keep(name, real)
            backups.append((real, backup))
            try:
                os.replace(temporary, real)
            except OSError as error:
                raise _problem(name, error) from None
    except BaseException:
        for real, backup in reversed(backups):
            with contextlib.suppress(OSError):
                if backup is None:
                    os.unlink(real)
                elif os.path.samefile(backup, real):  # not replaced yet; rename would
                    os.unlink(backup)                 # do nothing to two hard links
                else:
                    os.replace(backup, real)
        for temporary in temporaries:
            _remove(temporary)
        raise
    for _, backup in backups:
        if backup is not None:
            _remove(backup)


def _keep(name: str, real: str) -> str:
    """A second name for ``real``'s current content (a hard link, else a copy),
    to put it back if the set cannot be completed."""
    descriptor, backup = _temporary(real)
    os.close(descriptor)
    os.unlink(backup)
    try:
        os.link(real, backup)
    except OSError:
        import shutil

        try:
            shutil.copy2(real, backup)
        except OSError as error:
            _remove(backup)
            raise _problem(name, error) from None
    return backup


def write_with_command(path: str | os.PathLike, command: Iterable[str], data: bytes,
                       seconds: float, what: str = "the program",
                       too_slow: str = "") -> None:
    """Have ``command`` write ``path``: it gets ``data`` on standard input and
    the temporary file's name appended as its last argument; the temporary
    file replaces ``path`` only if it exits with status 0 within ``seconds``.
    Past the time limit, or on Ctrl-C, the program is killed and ``path`` is
    left as it was. ``what`` names the program in errors, ``too_slow`` is
    added to the time-limit error (a suggestion)."""
    import subprocess

    name = os.fspath(path)
    real, info = _target(name)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise _problem(name, f"{what} can only write a regular file")
    try:
        descriptor, temporary = _temporary(real)
        os.close(descriptor)
    except OSError as error:
        raise _problem(name, error) from None
    try:
        try:
            process = subprocess.Popen([*command, temporary], stdin=subprocess.PIPE,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as error:
            raise CommandFailedError(f"cannot run {what} to write {_name(name)}: "
                                f"{error.strerror or error}") from None
        try:
            _, errors = process.communicate(data, timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise CommandFailedError(f"{what} did not finish writing {_name(name)} within "
                                f"{seconds:g} seconds and was stopped{too_slow}") from None
        except BaseException:  # Ctrl-C: stop it, leave the old file
            process.kill()
            process.wait()
            raise
        if process.returncode != 0:
            lines = errors.decode(errors="replace").strip().splitlines()
            raise CommandFailedError(f"{what} could not write {_name(name)}: "
                                + (clip(lines[0], 200) if lines else
                                   f"it exited with status {process.returncode}"))
        _finish(name, temporary, real, info)
    except BaseException:
        _remove(temporary)
        raise
