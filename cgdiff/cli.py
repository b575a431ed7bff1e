"""The command line: converts options, calls :mod:`cgdiff.api`, prints.

Data goes to stdout, messages to stderr. Problems with the program or its
numbers exit 1 with one ``error:`` paragraph; malformed options exit 2
(Click's usage errors); a check that ran and found a difference (``check``,
``check --against``, ``--expect``, ``grade --pass``) exits 3.
"""

from __future__ import annotations

import math
import os
import re
import sys
from pathlib import Path
from typing import IO

import click

from . import outfile
from .render import check as check_output
from .render import claims as claims_output
from .render import data as nodes_output
from .render import fitting as fit_output
from .render import grade as grade_output
from .render import formulas as formulas_output
from .render import matrix as matrix_output
from .render import jacobian as jacobian_output
from .render import picture as picture_output
from .render import rows as rows_output
from .render import annotated as annotated_output
from .errors import CgdiffError, InputTextError, OutputError
from .text import clip, number_problem



class ProgramError(click.ClickException):
    """A CgdiffError on its way out: its paragraph, with the source line."""

    exit_code = 1

    def __init__(self, error: CgdiffError, source: str | None):
        super().__init__(error.message)
        self.text = error.render(source)
        ctx = click.get_current_context(silent=True)
        named = ctx.meta.get(FILE_HINT) if ctx is not None and source is not None else None
        if named is not None and source == named:
            self.text += (f"\n  ('{clip(named, 60)}' is a file: did you mean "
                          f"-f {clip(named, 60)}?)")

    def show(self, file: IO | None = None) -> None:
        click.echo(self.text, err=True)


class Found(click.ClickException):
    """A check ran and found the difference it was asked to look for: exit 3,
    so that scripts tell "the gradient is wrong" from "the program is broken"."""

    exit_code = 3

    def show(self, file: IO | None = None) -> None:
        click.echo(f"error: {self.message}", err=True)


#: What --help says about exit statuses, on every command that checks.
EXIT_STATUSES = ("Exit status: 0 all agree; 1 a problem with the program or its numbers; "
                 "2 a usage error; 3 checked and found a difference.")


# ---------------------------------------------------------------- option types

def _choice(choices) -> click.Choice:
    """A choice typed in any case: ``--format JSON`` is ``--format json``."""
    return click.Choice(choices, case_sensitive=False)


class Number(click.FloatRange):
    """The one check of every numeric option (--eps, --rtol, --atol, --lr,
    --tol, --steps, --vary, --width, ...): cgdiff's number syntax
    (errors.number_problem: no ``nan``, ``inf`` or ``1_000``), finite, and
    within [low, high] (an open end with ``low_open``/``high_open``). Any
    failure is a usage error (exit 2) naming the option."""

    def __init__(self, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False, integer: bool = False,
                 why: str = ""):
        super().__init__(low, high, low_open, high_open)  # Click's help: [x>0]
        self.low, self.high, self.low_open, self.high_open = low, high, low_open, high_open
        self.integer = integer
        self.why = why  # added to a range error: what the bound is for
        self.name = "integer" if integer else "number"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = value  # a default
        else:
            text = str(value).strip()
            problem = number_problem(text)
            if problem is None and self.integer and not re.fullmatch(r"[+-]?[0-9]+", text):
                problem = "is not a whole number"
            if problem is not None:
                self.fail(f"'{clip(text, 30)}' {problem}", param, ctx)
            number = int(text) if self.integer else float(text)
        if not self._inside(number):
            self.fail(f"{number:g} is out of range: it must be {self.describe()}"
                      + (f" ({self.why})" if self.why else ""), param, ctx)
        return number

    def _inside(self, x) -> bool:
        if self.low is not None and (x < self.low or (self.low_open and x == self.low)):
            return False
        return not (self.high is not None and
                    (x > self.high or (self.high_open and x == self.high)))

    def describe(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        return " and ".join(parts) or "a finite number"

    def get_metavar(self, param, *args, **kwargs) -> str:
        return "N" if self.integer else "X"


def parse_settings(ctx, param, values, usage: bool = False,
                   nonzero: bool = False) -> dict[str, float]:
    """``--set w=2,x=-2 --set b=8`` → {"w": 2.0, "x": -2.0, "b": 8.0}.

    A value that is not finite is a problem with the program's numbers (exit
    1, as SPEC says for --set); with ``usage`` (--nudge) it is a usage error,
    as is 0 with ``nonzero``."""
    settings: dict[str, float] = {}
    option = param.opts[0] if param is not None and param.opts else "--set"
    for value in values:
        for item in _top_level_items(value):
            name, sep, number = (part.strip() for part in item.partition("="))
            if not sep or not name or not number:
                raise click.BadParameter(f"expected NAME=VALUE, got '{clip(item.strip())}'")
            name = _nfc(name)
            shown = f"{clip(name, 30)}={clip(number, 30)}"  # messages stay short
            if number.startswith("["):
                from .expand import split_value

                try:
                    elements = split_value(name, number)
                except OverflowError:
                    elements = {name: float("inf")}
                except ValueError as error:
                    raise click.BadParameter(f"{shown}: {error}") from None
                for element, x in elements.items():  # JSON reads NaN, Infinity, 1e999
                    if not math.isfinite(x) or usage and x == 0 and nonzero:
                        raise (click.BadParameter(f"{shown}: every element must be a finite "
                                                  "number" + (" other than 0" if nonzero else ""))
                               if usage else
                               ProgramError(CgdiffError(f"{option} {shown}: every element "
                                                        "must be a finite number"), None))
                settings.update(elements)
                continue
            problem = number_problem(number)
            if problem is not None and problem.startswith("is not") or \
                    usage and problem is not None:
                raise click.BadParameter(f"{shown}: '{clip(number, 30)}' {problem}")
            if problem is not None:
                what = "must be a finite number" if "finite" in problem else problem
                raise ProgramError(CgdiffError(f"{option} {shown}: the value {what}"), None)
            settings[name] = float(number)
            if nonzero and settings[name] == 0:
                raise click.BadParameter(f"{shown}: moving {clip(name, 30)} by 0 shows nothing; "
                                         "give a change other than 0")
    return settings


def _top_level_items(value: str) -> list[str]:
    """``w=2,W=[[1,0],[0,1]],x[0]=1`` split at the commas outside brackets."""
    items, depth, start = [], 0, 0
    for k, c in enumerate(value):
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
        elif c == "," and depth <= 0:
            items.append(value[start:k])
            start = k + 1
    items.append(value[start:])
    return items


#: The commands that take several outputs (--of u,v).
SEVERAL_OUTPUTS = {"eval", "grad", "graph", "jacobian", "check", "explain"}


def parse_outputs(ctx, param, value):
    """``--of J`` → "J"; ``--of u,v`` → ["u", "v"] (where the command takes several)."""
    if value is None:
        return None
    names = [_nfc(name.strip()) for name in _top_level_items(value)]
    if not all(names):
        raise click.BadParameter(f"expected NAME[,NAME...], got '{clip(value)}'")
    if len(names) == 1:
        return names[0]
    if ctx.info_name not in SEVERAL_OUTPUTS:
        raise click.BadParameter(f"{ctx.info_name} takes one output; several are for "
                                 + ", ".join(sorted(SEVERAL_OUTPUTS)))
    return names


def parse_names(ctx, param, values) -> list[str] | None:
    """``--wrt w,x --wrt b`` → ["w", "x", "b"] (repeatable, like --set)."""
    if isinstance(values, str):
        values = (values,)
    if not values:
        return None
    names = []
    for value in values:
        parts = [name.strip() for name in _top_level_items(value)]
        if not all(parts):
            raise click.BadParameter(f"expected NAME[,NAME...], got '{clip(value)}'")
        names += map(_nfc, parts)
    return names


def _nfc(name: str) -> str:
    """A name as the program's names are kept: Unicode NFC (parser._intern)."""
    if name.isascii():
        return name
    import unicodedata

    return unicodedata.normalize("NFC", name)


def _cache_choice(ctx, param, value) -> None:
    # Called on every run (value False when the flag is absent), so a choice
    # never outlives its command.
    from . import graphcache

    graphcache.command_line_choice = False if value else None


def program_options(command):
    """The options every command shares: where the program comes from, values, output."""
    decorators = [
        click.argument("program", required=False),
        click.option("-f", "--file", "program_file", type=click.File("rb"),
                     help="Read the program from FILE ('-' for standard input)."),
        click.option("--set", "settings", multiple=True, callback=parse_settings,
                     metavar="NAME=VALUE[,...]",
                     help="Give or override an input's value (repeatable)."),
        click.option("--of", "of", metavar="NAME[,NAME...]", callback=parse_outputs,
                     help="The output node (default: the last statement); eval, grad, graph "
                          "and jacobian take several, comma-separated."),
        click.option("--no-cache", is_flag=True, expose_value=False, callback=_cache_choice,
                     help="Neither load nor store this program's graph in the warm-run "
                          "cache (programs of 100,000 characters or more; see README)."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def format_option(formats, default: str = "table", help: str | None = None):
    """``--format``, its choices those of a render module's FORMATS."""
    return click.option("--format", "output_format", type=_choice(list(formats)),
                        default=default, show_default=default is not None,
                        help=help or "table for people; json, csv or plain for scripts.")


def wrt_option(what: str):
    """``--wrt NAME[,NAME...]``: which inputs the derivatives are taken with
    respect to; ``what`` starts the help (grad, check, explain, jacobian, hessian)."""
    return click.option("--wrt", callback=parse_names, multiple=True, metavar="NAME[,NAME...]",
                        help=f"{what} (repeatable; default: every input).")


def mode_option(modes: list[str], help: str):
    """``--mode``: which sweep computes the derivatives, the first of ``modes`` by default."""
    return click.option("--mode", type=_choice(modes), default=modes[0], show_default=True,
                        help=help)


def output_option(dest: str, metavar: str, help: str):
    """``-o/--output``: a file (or folder) to write instead of standard output."""
    return click.option("-o", "--output", dest, metavar=metavar, help=help)


def seed_option(help: str):
    """``--seed``: the random seed of the points or values a command draws."""
    return click.option("--seed", type=int, default=0, show_default=True, help=help)


def parse_expectations(ctx, param, values):
    """``--expect c=-4,dJ/dw=-4`` → Expectations (the names are checked
    against the program later, the numbers here)."""
    from .expect import parse

    found = []
    for value in values:
        for item in value.split(","):
            name, sep, number = (part.strip() for part in item.rpartition("="))
            if not sep or not name or not number:
                raise click.BadParameter(f"expected NAME=VALUE or dOUT/dNODE=VALUE, got "
                                         f"'{clip(item.strip())}'")
            problem = number_problem(number)
            if problem is not None:
                raise click.BadParameter(f"{clip(name, 30)}={clip(number, 30)}: "
                                         f"'{clip(number, 30)}' {problem}")
            found.append(parse(name, float(number)))
    return found


def tolerance_options(command, rtol: float = 1e-5, atol: float = 1e-8, what: str = "agree"):
    """--rtol and --atol, as ``check`` reads them."""
    command = click.option("--atol", type=Number(0), default=atol,
                           show_default=True, metavar="A",
                           help="Absolute tolerance, for numbers near 0.")(command)
    return click.option("--rtol", type=Number(0, 1), default=rtol,
                        show_default=True, metavar="R",
                        help=f"Relative tolerance: two numbers {what} when |a - b| <= "
                             "atol + R*max(|a|, |b|).")(command)


def expect_options(command):
    """--expect and its tolerances (eval, grad)."""
    command = tolerance_options(command, what="match")
    return click.option(
        "--expect", "expectations", multiple=True, callback=parse_expectations,
        metavar="NAME=VALUE,dOUT/dNODE=VALUE",
        help="Check numbers you expect: a node's value by name (c=-4) or a derivative "
             "(dJ/dw=-4, or ∂J/∂w=-4); each gets ✓ or ✗ beside the table (and in JSON); "
             "exit status 3 if one does not hold. Repeatable.")(command)


def _show(result, output_format: str, tables=(), json_extra: dict | None = None) -> None:
    """``emit``, with more Rich tables after a table, or more keys in JSON: the
    result annotated, in any format ``render.annotated`` has, when there is more."""
    if (tables or json_extra) and output_format in annotated_output.FORMATS:
        result = annotated_output.Annotated(result, list(tables), dict(json_extra or {}))
    emit(result, output_format)


def _precision_warnings(result, json_extra: dict) -> bool:
    """Where float64 lost more than half its digits in the output's value or a
    derivative (cgdiff.precision): a warning paragraph on stderr, and the same
    under "warnings" in JSON. Whether there was a warning (--strict: exit 3)."""
    from . import precision

    warnings, note = precision.check(result.graph, result.inputs, result.values,
                                     result.gradient, result.adjoints)
    if note:
        click.echo(f"note: {note}", err=True)
    if warnings:
        for warning in warnings:
            click.echo(precision.warning_text(result.graph, warning), err=True)
        json_extra["warnings"] = [w.as_dict(result.graph) for w in warnings]
        found = precision.hints(result.graph)
        for node, hint in found:
            click.echo(precision.hint_text(result.graph, node, hint), err=True)
        if found:
            json_extra["hints"] = [{"node": result.graph.node_id(node), "hint": hint}
                                   for node, hint in found]
    return bool(warnings)


def strict_option(command):
    """--strict of eval and grad: a precision warning is a difference found."""
    return click.option(
        "--strict", is_flag=True,
        help="Exit with status 3 when a precision warning is issued (float64 lost more "
             "than half its digits), instead of 0.")(command)


def digits_option(command):
    """--digits N of eval and grad: the numbers at N significant digits (mpmath)."""
    return click.option(
        "--digits", type=Number(1, 1000, integer=True), default=None,
        help="Compute the values (and derivatives) at N significant digits with mpmath "
             "instead of float64, and show all N (JSON: as strings); inputs and constants "
             "are their float64 values, exactly. One point, one output, reverse mode; at "
             "most 100,000 nodes.")(command)


def _at_digits(result, digits: int):
    """The result again at ``digits`` significant digits (cgdiff.precision)."""
    if result.gradients is not None or len(result.graph.outputs) > 1:
        raise click.UsageError("--digits computes one output; give one with --of")
    from . import precision

    return precision.at_digits(result, digits)


#: Found's message under --strict when a precision warning was issued.
STRICT_PRECISION = "--strict: float64 lost more than half its digits (the warning above)"


def _expectations_shown(outcomes, tables: list, json_extra: dict) -> None:
    if outcomes is None:
        return
    from .render import expect as shown

    from rich.console import Console

    tables.append(shown.table(outcomes, Console().width))
    json_extra["expect"] = shown.as_data(outcomes)


def _expectations_exit(outcomes) -> None:
    if outcomes is not None and not all(o.ok for o in outcomes):
        from .expect import failures

        raise Found(failures(outcomes))


def _show_judged(result, output_format: str, tables: list, json_extra: dict, outcomes,
                 lost_digits: bool) -> None:
    """eval's and grad's ending: the tables with the expectations' one, then exit 3
    if an expectation failed or (under --strict) float64 lost its digits."""
    _expectations_shown(outcomes, tables, json_extra)
    _show(result, output_format, tables, json_extra)
    _expectations_exit(outcomes)
    if lost_digits:
        raise Found(STRICT_PRECISION)


# ---------------------------------------------------------------- reading the program

#: The longest program read from a file or standard input. A program takes
#: about 100 to 130 times its size in memory (README: Errors and limits), and
#: ``-f /dev/zero`` must end in an error, not in memory exhausted.
MAX_PROGRAM_BYTES = 64 * 2**20


def read_program(program: str | None, program_file) -> str:
    if program is not None and program_file is not None:
        raise click.UsageError("give the program as an argument or with -f, not both")
    if program is not None:
        program = program.removeprefix("\ufeff")  # a BOM, accepted as in files
        if "\n" not in program and len(program) < 4096 and os.path.isfile(program):
            # `cgdiff grad net.cg`: if the text fails as a program, say so.
            click.get_current_context().meta[FILE_HINT] = program
        return program
    if program_file is None:
        stdin = standard_input()
        if stdin.isatty():
            raise click.UsageError("no program: give it as an argument, with -f FILE, "
                                   "or on standard input")
        program_file = stdin
    outfile.reading(program_file)  # never written over by -o
    data = program_file.read(MAX_PROGRAM_BYTES + 1)
    if len(data) > MAX_PROGRAM_BYTES:
        raise ProgramError(InputTextError(
            f"the program is longer than {MAX_PROGRAM_BYTES // 2**20} MB, the most cgdiff "
            f"reads (it would need some {MAX_PROGRAM_BYTES * 130 // 2**30} GB of memory)"),
            None)
    return _decoded(data, "the program")


def _decoded(data: bytes, what: str) -> str:
    """UTF-8 text (a byte-order mark dropped); else one error naming the byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProgramError(InputTextError(
            f"{what} {'is' if what == 'the program' else 'are'} not valid UTF-8 (byte "
            f"0x{data[error.start]:02x} at offset {error.start})"), None) from None


#: The context's note that the program argument names an existing file.
FILE_HINT = "cgdiff.program_is_a_file"


def standard_input() -> IO[bytes]:
    return sys.stdin.buffer


def usable(formats, output_format: str, where: str = "here") -> str:
    """``output_format`` if ``formats`` (a render module's FORMATS) has it, else
    a usage error listing those it has (checked before any work is done)."""
    if output_format not in formats:
        raise click.UsageError(f"--format {output_format} is not available {where}; "
                               f"choose from {', '.join(formats)}")
    return output_format


def emit(result, output_format: str, output: str | None = None) -> None:
    """Write ``result`` in a format of its render module's FORMATS to standard
    output, or to the file ``output`` (written whole or not at all). A format
    the result type lacks is a usage error that lists the ones it has."""
    from .render import formats_for

    formats = formats_for(result)
    write = formats[usable(formats, output_format)]
    if outfile.is_stdout(output):
        write(result, sys.stdout)
    else:
        with outfile.replacing(output) as handle:
            write(result, handle)


#: The most steps ``fit --steps`` takes (it keeps each step's cost: 8 bytes).
MAX_STEPS = 10_000_000

#: Programs longer than this take about a second or more: show progress.
PROGRESS_THRESHOLD = 200_000


#: What the run is building now, for an out-of-memory message (see main).
_building = ["building the program's graph"]

#: The library's phases (api.PhaseHook) in words.
_PHASE_WORDS = {"parse": "reading the program", "build": "building the program's graph",
                "forward": "running the forward pass", "reverse": "running the reverse pass",
                "forward mode": "running forward mode"}


def building(what: str) -> None:
    """Say what the run builds next (named if memory runs out)."""
    _building[0] = what


class _Run:
    """Runs library calls: turns a CgdiffError into its error paragraph and,
    for a large program on a terminal, shows the phases on stderr as they pass.

    ``progress`` is the hook to hand to the library (see api.PhaseHook).
    """

    def __init__(self, source: str):
        self.source = source
        self.progress = lambda phase: building(_PHASE_WORDS.get(phase, phase))
        self._bar = None

    def __enter__(self):
        if len(self.source) > PROGRESS_THRESHOLD:
            from .render.progress import progress

            self._bar = progress(None, "reading")
            update = self._bar.__enter__()

            def show(phase):
                building(_PHASE_WORDS.get(phase, phase))
                update(0, description=phase)

            self.progress = show
        return self

    def __exit__(self, kind, error, traceback):
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
        if isinstance(error, CgdiffError):
            # an error in another text (the claims of check --against) says which
            raise ProgramError(error, getattr(error, "source_text", None) or self.source) \
                from None
        return False


def data_option(command):
    return click.option(
        "--data", "data_file", type=click.File("rb"), metavar="FILE.csv",
        help="Run once per row of a CSV file whose header names inputs (--set gives the "
             "rest): one output row per data row, CSV (default) or JSON lines, streamed.",
    )(command)


def _run_batch(source, data_file, settings, of, wrt, output_format, gradient=False,
               mode="reverse"):
    """eval/grad --data: stream one output row per data row."""
    from . import batch
    from .api import load
    from .render.progress import progress

    if click.get_current_context().get_parameter_source("output_format") is \
            click.core.ParameterSource.DEFAULT:
        output_format = "csv"  # the rows' default: a table of rows has no place to stop
    output_format = usable(rows_output.FORMATS, output_format, "with --data")
    with _Run(source):
        name = getattr(data_file, "name", None)
        data = batch.Data(data_file, name if isinstance(name, str) and name != "<stdin>"
                          else "the data")
        # Columns x[0], x[1] give a vector input its shape.
        graph = load(source, of, given=[*data.columns, *settings])
        chunks = batch.run_chunks(graph, data, settings, wrt, gradient, mode)
        names = list(graph.targets(wrt)) if gradient else None
        try:
            size = os.fstat(data_file.fileno()).st_size or None
        except (OSError, AttributeError, ValueError):
            size = None
        with progress(size, "rows") as update:
            def shown(chunks):
                for chunk in chunks:
                    yield chunk
                    update(data.bytes_read)

            emit(batch.Rows(data.columns, graph.node_id(graph.output), names, shown(chunks)),
                 output_format)


def _check_stdin(program, program_file, data_file):
    outfile.reading(data_file)  # never written over by -o
    if data_file is None or program is not None:
        return
    stdin = standard_input()
    if data_file is stdin and (program_file is None or program_file is stdin):
        raise click.UsageError("the program and --data cannot both come from standard input")


# ---------------------------------------------------------------- commands

class Interrupted(click.ClickException):
    """Ctrl-C: one line on stderr and the shell's status for SIGINT, 128 + 2
    (Click's own handling says "Aborted!" and exits 1)."""

    exit_code = 130

    def __init__(self):
        super().__init__("interrupted")

    def show(self, file: IO | None = None) -> None:
        # On a terminal the line starts after the ``^C`` that the terminal echoed.
        newline = "\n" if sys.stderr.isatty() else ""
        click.echo(f"{newline}error: interrupted", err=True)


class _Command(click.Command):
    """A program that starts with '-' (``cgdiff eval '-x^2'``) reads as an
    option; Click's "No such option" then gets the way out: ``--``."""

    def parse_args(self, ctx, args):
        given = list(args)  # Click's parser consumes ``args``
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as error:
            if "--" in given:
                given = given[:given.index("--")]
            culprit = next((arg for arg in given if arg.startswith(error.option_name)),
                           error.option_name)
            if not error.possibilities and (
                    not culprit.startswith("--") or not DASHED_WORD.fullmatch(culprit)):
                error.message += (f" A program that starts with '-' goes last, after --: "
                                  f"cgdiff {ctx.info_name} [OPTIONS] -- '{clip(culprit, 40)}'")
            raise


#: What an option looks like: ``--name`` or ``--name=value``.
DASHED_WORD = re.compile(r"--[A-Za-z][A-Za-z0-9-]*(=.*)?")


class _Group(click.Group):
    command_class = _Command

    def invoke(self, ctx):
        outfile.forget_reading()  # the files a previous run (in this process) read
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted() from None
        except CgdiffError as error:  # raised outside _Run: writing the output, say
            raise ProgramError(error, None) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cgdiff", prog_name="cgdiff")
def cli():
    """Differentiate a small program of scalar formulas: build its computation
    graph, run the forward pass (values) and the reverse pass (derivatives),
    and show them node by node.

    Example:

    \b
        cgdiff grad 'J = 0.5*(w*x + b - y)^2' --set w=2,x=-2,b=8,y=2
    """


#: --format of eval and grad: the node table's formats, and with --data the rows'.
NODE_FORMATS = list(dict.fromkeys([*nodes_output.FORMATS, *rows_output.FORMATS]))


@cli.command("eval", epilog=EXIT_STATUSES)
@program_options
@format_option(NODE_FORMATS)
@data_option
@expect_options
@strict_option
@digits_option
def eval_command(program, program_file, settings, of, output_format, data_file, expectations,
                 rtol, atol, strict, digits):
    """Forward pass: every node's value, in evaluation order, and the output's.
    With --data, the output's value for every row of a CSV file.

    Example:

    \b
        cgdiff eval 'c = w*x; a = c + b; d = a - y; J = 1/2*d^2' --set w=2,x=-2,b=8,y=2
        cgdiff eval -f examples/linear.cg --data examples/linear.csv --set w=2,b=1
    """
    from .api import evaluate

    _check_stdin(program, program_file, data_file)
    source = read_program(program, program_file)
    if data_file is not None:
        if expectations:
            raise click.UsageError("--expect checks one point; drop --data")
        if strict or digits is not None:
            raise click.UsageError(f"{'--strict' if strict else '--digits'} is for one "
                                   "point; drop --data")
        _run_batch(source, data_file, settings, of, None, output_format)
        return
    output_format = usable(nodes_output.FORMATS, output_format, "without --data")
    outcomes = None
    with _Run(source) as run:
        result = evaluate(source, settings, of, progress=run.progress)
        if expectations:
            from .expect import judge

            outcomes = judge(result, expectations, rtol, atol)
        if digits is not None:
            result = _at_digits(result, digits)
    tables, json_extra = [], {}
    # at N digits, float64's lost digits are not the numbers shown
    warned = digits is None and _precision_warnings(result, json_extra)
    _show_judged(result, output_format, tables, json_extra, outcomes, strict and warned)


@cli.command("grad", epilog=EXIT_STATUSES)
@program_options
@wrt_option("Differentiate with respect to these")
@mode_option(["reverse", "forward"],
             "reverse: backpropagation, one sweep; forward: one tangent sweep per input.")
@click.option("--symbolic", is_flag=True,
              help="The derivatives as formulas (a cgdiff program), not numbers; "
                   "no values needed.")
@click.option("--stats", is_flag=True,
              help="Also count the work each method does on this program, measured while the "
                   "passes run: one reverse sweep, forward mode over every input, finite "
                   "differences (table and json only).")
@format_option(list(dict.fromkeys([*NODE_FORMATS, *annotated_output.FORMATS,
                                    *formulas_output.FORMATS])),
               help="table for people; json, csv or plain for scripts; latex, or python, "
                    "numpy, c or javascript code (with --symbolic).")
@data_option
@expect_options
@strict_option
@digits_option
def grad_command(program, program_file, settings, of, wrt, mode, symbolic, stats, output_format,
                 data_file, expectations, rtol, atol, strict, digits):
    """Forward and reverse pass: every node's value and the derivative of the
    output with respect to it, then the gradient. With --symbolic, the
    derivatives as formulas: a program cgdiff reads back (--format plain: one
    inlined formula per input; latex for worksheets).

    Example:

    \b
        cgdiff grad 'J = 0.5*(w*x + b - y)^2' --set w=2,x=-2,b=8,y=2
        cgdiff grad -f examples/wide.cg --stats
        cgdiff grad --symbolic 'J = 0.5*(w*x + b - y)^2' --format plain
        cgdiff grad -f examples/linear.cg --data examples/linear.csv --set w=2,b=1 --wrt w,b
    """
    if output_format == "latex" and not symbolic:
        raise click.UsageError("--format latex needs --symbolic")
    if symbolic and mode != "reverse":
        raise click.UsageError("--symbolic is the reverse pass; drop --mode forward")
    if symbolic and data_file is not None:
        raise click.UsageError("--symbolic needs no data; drop --data")
    if stats and (symbolic or data_file is not None):
        raise click.UsageError("--stats counts the numeric passes; drop --symbolic or --data")
    if data_file is None:
        formats, where = ((formulas_output.FORMATS, "with --symbolic") if symbolic else
                          (annotated_output.FORMATS, "with --stats") if stats else
                          (nodes_output.FORMATS, "without --data"))
        output_format = usable(formats, output_format, where)
    if expectations and (symbolic or data_file is not None):
        raise click.UsageError("--expect checks the numbers at one point; drop --symbolic "
                               "or --data")
    if strict and (symbolic or data_file is not None):
        raise click.UsageError("--strict is about the precision warnings of one point; "
                               "drop --symbolic or --data")
    if digits is not None and (symbolic or data_file is not None or mode != "reverse"):
        raise click.UsageError("--digits computes numbers at one point in reverse mode; "
                               "drop --symbolic, --data or --mode forward")
    _check_stdin(program, program_file, data_file)
    source = read_program(program, program_file)
    if data_file is not None:
        _run_batch(source, data_file, settings, of, wrt, output_format, gradient=True,
                   mode=mode)
        return
    if symbolic:
        from . import symbolic as sym

        with _Run(source):
            derivatives = sym.symbolic_gradient(source, settings, of, wrt)
            derivatives.name = getattr(program_file, "name", None)
            emit(derivatives, output_format)  # whole formulas: an error writes nothing
        return
    from .api import differentiate

    outcomes = None
    with _Run(source) as run:
        result = differentiate(source, settings, of, wrt, mode, progress=run.progress)
        if stats:
            from .stats import measure

            counts = measure(result.graph, result.inputs, wrt)
        if expectations:
            from .expect import judge

            outcomes = judge(result, expectations, rtol, atol)
        from . import kinks

        found = kinks.find(result.graph, result.values)
        if digits is not None:
            result = _at_digits(result, digits)
    tables, json_extra = [], {}
    warned = digits is None and _precision_warnings(result, json_extra)
    if found:
        from .render.kinks import note

        tables.append(note(result.graph, result.values, found))
        json_extra["kinks"] = [k.as_dict(result.graph) for k in found]
    if stats:
        from .render.check_table import stats_table

        tables.append(stats_table(counts))
        json_extra["stats"] = counts.as_dict()
    _show_judged(result, output_format, tables, json_extra, outcomes, strict and warned)


@cli.command("check", epilog=EXIT_STATUSES)
@program_options
@wrt_option("Check the derivatives with respect to these")
@click.option("--eps", "relative_step", type=Number(1e-15, 1, high_open=True,
                                                   why="a smaller step does not move x"),
              default=None, metavar="H",
              help="Relative step of the finite differences: input x is moved by "
                   "h = H*max(1, |x|). Default: the cube root of the float epsilon, "
                   "6.06e-6. Why: the central difference's truncation error shrinks like "
                   "h^2 while its rounding error grows like eps*|J|/h; they balance near "
                   "h = eps^(1/3) times the input's scale (the spacing of floats grows "
                   "with |x|, so a fixed h would be lost in rounding for large inputs).")
@click.option("--rtol", type=Number(0, 1), default=1e-5, show_default=True,
              metavar="R", help="Relative tolerance: agree when |reverse - difference| "
                                "<= atol + R*max(|reverse|, |difference|).")
@click.option("--atol", type=Number(0), default=1e-8, show_default=True,
              metavar="A", help="Absolute tolerance, for derivatives near 0.")
@click.option("--nudge", "nudges", multiple=True, callback=lambda ctx, param, values:
              parse_settings(ctx, param, values, usage=True, nonzero=True),
              metavar="NAME=DELTA[,...]",
              help="Also move these inputs by DELTA (all at once) and show the output before "
                   "and after, the actual change and the change the derivatives predict.")
@click.option("--against", "claims", metavar="CLAIMS|@FILE",
              help="Check claimed derivatives instead: statements such as "
                   "'dJ_dw = (w*x + b - y)*x; dJ_db = w*x + b - y' (or ∂J/∂w = ...), "
                   "or @FILE to read them from FILE ('@-': standard input). Claims may use "
                   "other claims (a staged backprop): each step is judged with the true "
                   "values of the claims it uses, and the first wrong step is named.")
@click.option("--strict", is_flag=True,
              help="At a kink, tie or jump (relu(x) at x = 0), fail instead of marking the "
                   "input as a kink with both one-sided differences; and exit with status 3 "
                   "when a precision warning is issued (float64 lost more than half its "
                   "digits).")
@click.option("--samples", type=Number(0, 10_000, integer=True), default=20, show_default=True,
              help="With --against: check at this many drawn points besides the given one "
                   "(each input v drawn from v ± max(1, |v|)).")
@seed_option("With --against: the random seed of the drawn points.")
@format_option(list(dict.fromkeys([*check_output.FORMATS, *claims_output.FORMATS])),
               help="table for people; json, csv or plain (NAME, reverse, difference, ok) "
                    "for scripts.")
@click.pass_context
def check_command(ctx, program, program_file, settings, of, wrt, relative_step, rtol, atol,
                  nudges, strict, claims, samples, seed, output_format):
    """Check the gradient: reverse mode beside central finite differences, input
    by input, with the absolute and relative error. With --against, check
    claimed derivatives (yours) against the program's, at the given point and at
    --samples drawn points, blaming the first wrong step of a hand backprop.
    Exits 3 if anything disagrees.

    Example:

    \b
        cgdiff check -f examples/seed.cg
        cgdiff check -f examples/seed.cg --nudge w=0.001
        cgdiff check -f examples/seed.cg --against 'dJ_dw = (w*x+b-y)*x; dJ_db = w*x+b-y'
    """
    from . import check
    from .api import differentiate

    if claims is not None:
        given = [name for name, option in (("wrt", "--wrt"), ("relative_step", "--eps"),
                                           ("nudges", "--nudge"), ("strict", "--strict"))
                 if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE]
        if given:
            raise click.UsageError(f"{_option_of(given[0])} is for the "
                                   "finite-difference check; drop it or --against")
        _check_claims(program, program_file, settings, of, claims, samples, seed, rtol, atol,
                      output_format)
        return
    source = read_program(program, program_file)
    outputs = _several_outputs(source, settings, of)
    if outputs is not None:
        _check_several(source, settings, outputs, wrt, relative_step, rtol, atol, nudges,
                       strict, output_format)
        return
    with _Run(source) as run:
        result = differentiate(source, settings, of, wrt, progress=run.progress)
        report = check.check(result, wrt, relative_step or check.RELATIVE_STEP, rtol, atol,
                             nudges, strict)
    warned = _precision_warnings(result, {})  # stderr only: the report's JSON is the check's
    emit(report, output_format)
    if not report.ok:
        bad = ", ".join(row.name for row in report.rows if row.ok is False)
        raise Found(f"the reverse-mode derivative disagrees with finite differences for {bad} "
                    f"(rtol {rtol:g}, atol {atol:g})")
    if strict and warned:
        raise Found(STRICT_PRECISION)


def _several_outputs(source, settings, of) -> list[str] | None:
    """The outputs of ``--of u,v`` (or of a vector output), or None for one."""
    if not isinstance(of, list) and "[" not in source and not any("[" in k for k in settings):
        return None  # no vector anywhere: one output
    from .api import load

    with _Run(source):
        graph = load(source, of, given=list(settings))
    return graph.output_names if len(graph.outputs) > 1 else None


def _check_several(source, settings, outputs, wrt, relative_step, rtol, atol, nudges, strict,
                   output_format):
    """check --of u,v: the check of each output in turn (json: one object)."""
    from . import check
    from .api import differentiate
    from .render import as_text, formats_for

    reports = {}
    with _Run(source):
        for name in outputs:
            result = differentiate(source, settings, name, wrt)
            reports[name] = check.check(result, wrt, relative_step or check.RELATIVE_STEP,
                                        rtol, atol, nudges, strict)
    first = next(iter(reports.values()))
    output_format = usable(formats_for(first), output_format)
    if output_format == "json":
        import json

        click.echo(json.dumps({"outputs": outputs, "checks": {
            name: json.loads(as_text(report, "json")) for name, report in reports.items()}},
            ensure_ascii=False))
    else:
        for k, (name, report) in enumerate(reports.items()):
            if output_format == "plain":  # each line: OUTPUT, TAB, the one-output line
                text = as_text(report, "plain")
                click.echo("".join(f"{name}\t{line}\n" for line in text.splitlines()), nl=False)
            else:
                click.echo(("\n" if k else "") + f"output {name}:")
                emit(report, output_format)
    bad = [f"{row.name} (of {name})" for name, report in reports.items()
           for row in report.rows if row.ok is False]
    if bad:
        raise Found(f"the reverse-mode derivative disagrees with finite differences for "
                    f"{', '.join(bad)} (rtol {rtol:g}, atol {atol:g})")


def _option_of(parameter: str) -> str:
    return {"wrt": "--wrt", "relative_step": "--eps", "nudges": "--nudge",
            "strict": "--strict"}[parameter]


def _read_claims(claims: str) -> str:
    """--against TEXT, or @FILE ('@-' standard input)."""
    if not claims.startswith("@"):
        return claims
    path = claims[1:]
    if path == "-":
        return read_program(None, None)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_PROGRAM_BYTES + 1)
    except OSError as error:
        raise click.BadParameter(f"cannot read '{clip(path)}': {error.strerror}",
                                 param_hint="--against") from None
    return _decoded(data, f"the claims in {clip(path)}")


def _check_claims(program, program_file, settings, of, claims, samples, seed, rtol, atol,
                  output_format):
    from .claims import check_claims
    from .render import claims as show

    if claims.startswith("@-") and program is None and program_file is None:
        raise click.UsageError("the program and the claims cannot both come from standard input")
    claims_text = _read_claims(claims)
    source = read_program(program, program_file)
    with _Run(source):
        report = check_claims(source, claims_text, settings, of, samples, seed, rtol, atol)
    emit(report, output_format)
    if not report.ok:
        raise Found(show.summary(report))


@cli.command("explain")
@program_options
@wrt_option("Explain the derivatives with respect to these")
@mode_option(["reverse", "forward"], "reverse: backprop, right to left; forward: one tangent "
                                     "sweep per input, left to right.")
@click.option("--width", type=Number(40, 10_000, integer=True), default=None,
              help="Wrap the text at this many columns (default: the terminal's width, "
                   "at most 88).")
@click.option("--shapes", is_flag=True,
              help="Add the vectorised chain rule for each vector statement (∂L/∂W = ∂L/∂z · xᵀ, "
                   "with the shapes), each with one element spelled out.")
def explain_command(program, program_file, settings, of, wrt, mode, width, shapes):
    """The chain rule in words: from the output back to each input, one step per
    node, with this program's numbers ("if w goes up by ε, c changes by x × ε =
    -2ε ..."), then a check that nudges each input by 0.001. With --mode
    forward, the forward sweep instead: each input nudged, left to right.

    Example:

    \b
        cgdiff explain 'c = w*x; a = c + b; d = a - y; J = 1/2*d^2' --set w=2,x=-2,b=8,y=2
        cgdiff explain --mode forward -f examples/seed.cg --wrt w
    """
    from .api import differentiate
    from .explain import as_text, explain, explain_forward, explain_shapes, explain_width

    source = read_program(program, program_file)
    outputs = _several_outputs(source, settings, of)
    if outputs is not None:  # the story of each output in turn
        texts = []
        with _Run(source):
            for name in outputs:
                if mode.lower() == "forward":
                    result = differentiate(source, settings, name, wrt, "forward")
                    lines = explain_forward(result, wrt)
                else:
                    result = differentiate(source, settings, name, wrt)
                    lines = explain(result, wrt)
                if shapes:
                    lines += explain_shapes(result)
                texts.append(as_text([f"Output {name}:", "", *lines], width or explain_width()))
        click.echo("\n".join(texts), nl=False)
        return
    with _Run(source) as run:
        if mode.lower() == "forward":
            result = differentiate(source, settings, of, wrt, "forward", progress=run.progress)
            lines = explain_forward(result, wrt)
        else:
            result = differentiate(source, settings, of, wrt, progress=run.progress)
            lines = explain(result, wrt)
        if shapes:
            lines = [*lines, *explain_shapes(result)]
        text = as_text(lines, width or explain_width())
    click.echo(text, nl=False)


@cli.command("graph")
@program_options
@click.option("--format", "picture_format", type=_choice(list(picture_output.FORMATS)),
              default="tree", show_default=True,
              help="tree: drawn in the terminal; dot: Graphviz; mermaid: a Mermaid flowchart.")
@click.option("--values", is_flag=True,
              help="Show each node's value and the output's derivative with respect to it "
                   "(the inputs then need values); edges carry the local derivatives.")
@output_option("output_file", "FILE",
               help="Write to FILE instead of standard output ('-'). Its suffix decides what: "
                    ".dot/.gv DOT text, .mmd Mermaid text, .svg/.png/.pdf/.jpg/.gif/.webp "
                    "drawn by Graphviz's `dot` (which must be installed); any other suffix "
                    "gets --format. A --format that disagrees with the suffix is an error.")
@click.option("--collapse-calls", is_flag=True,
              help="Draw each call of a user-defined function as one node (dot and mermaid; "
                   "without it, each call is a cluster around its nodes).")
def graph_command(program, program_file, settings, of, picture_format, values, output_file,
                  collapse_calls):
    """The computation graph as a picture: each node, its operation, and
    which nodes it reads. A node used twice is drawn once.

    Example:

    \b
        cgdiff graph 'J = 0.5*(w*x + b - y)^2' --set w=2,x=-2,b=8,y=2 --values -o seed.svg
    """
    from . import passes
    from .api import evaluate, load
    from .render import picture

    if outfile.is_stdout(output_file):
        output_file = None
    source = read_program(program, program_file)
    if output_file is not None:
        outfile.check(output_file)  # before the work: not the program, folder exists
    chosen = picture_format
    if output_file is not None:
        from click.core import ParameterSource

        explicit = click.get_current_context().get_parameter_source("picture_format") in (
            ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
        try:
            chosen = picture.format_for_file(output_file, picture_format, explicit)
        except ValueError as error:
            raise click.UsageError(str(error)) from None
    if collapse_calls and chosen == "tree":
        raise click.UsageError("--collapse-calls draws with --format dot or mermaid "
                               "(or -o FILE.svg)")
    with _Run(source) as run:
        if values:
            result = evaluate(source, settings, of, progress=run.progress)
            drawing = picture.Picture(result.graph, result.values,
                                      passes.reverse(result.graph, result.values))
        else:
            drawing = picture.Picture(load(source, of, progress=run.progress,
                                            given=list(settings)))
            if settings:
                # --set naming no input is still an error
                passes.input_values(drawing.graph, settings)
        drawing.collapse_calls = collapse_calls
        if chosen in picture.IMAGES:
            picture.draw(drawing, output_file, chosen)
            return
    emit(drawing, chosen, output_file)


@cli.command("view")
@program_options
@output_option("output_file", "FILE.html",
               help="Write the page to FILE.html. Without -o it goes to standard output when "
                    "that is a file or a pipe, else to cgdiff-view.html here.")
@click.option("--layout", type=_choice(["auto", "builtin", "dot"]), default="auto",
              show_default=True,
              help="Who places the nodes: Graphviz's dot (auto: when installed) or cgdiff's "
                   "own layered layout. Either way the page needs nothing at view time.")
@click.option("--title", metavar="TEXT", help="The page's title (default: the output's name).")
def view_command(program, program_file, settings, of, output_file, layout, title):
    """An interactive page that steps through the forward pass, then the
    reverse pass, node by node, with explain's sentence for each step; sliders
    for the inputs re-run both passes in the page; click a node for its
    numbers. One self-contained HTML file: it works offline.

    Example:

    \b
        cgdiff view 'c = w*x; a = c + b; d = a - y; J = 1/2*d^2' --set w=2,x=-2,b=8,y=2 -o seed.html
    """
    from .api import evaluate, load
    from .render import page

    if output_file is None and sys.stdout.isatty():
        output_file = "cgdiff-view.html"
    source = read_program(program, program_file)
    if not outfile.is_stdout(output_file):
        outfile.check(output_file)  # before the work: not the program, folder exists
    with _Run(source) as run:
        graph = load(source, of, progress=run.progress, given=list(settings))
        page.check_size(graph)
        result = evaluate(graph, settings, progress=run.progress)
        text = page.to_page(result, title, layout)
    if outfile.is_stdout(output_file):
        click.echo(text, nl=False)
        return
    outfile.write_text(output_file, text)
    click.echo(f"wrote {output_file} ({len(graph)} nodes); open it in a browser", err=True)


#: worksheet --format: render.sheets.FORMATS, written out so that start-up does
#: not load the page writers (a test keeps the two the same).
SHEET_FORMATS = ["markdown", "latex", "html"]


@cli.command("worksheet")
@program_options
@click.option("--blank", type=_choice(["values", "grads", "both"]), default="both",
              show_default=True, help="Which column the student fills in.")
@click.option("--format", "sheet_format", type=_choice(SHEET_FORMATS),
              default="markdown", show_default=True,
              help="markdown (renders on code-hosting pages), latex (a document for "
                   "pdflatex) or html (one self-contained page).")
@click.option("--answers", is_flag=True,
              help="Write the answer key: the same sheet, filled in (--vary writes both).")
@output_option("output_path", "PATH",
               help="Write to the file PATH instead of standard output; with --vary, PATH is "
                    "the directory for the sheets (default: the current directory).")
@click.option("--vary", type=Number(1, 999, integer=True), metavar="N",
              help="Write N sheets with other input values, each with its key: "
                   "sheet-01.md, sheet-01-key.md, ... Inputs given with --set stay fixed.")
@seed_option("The random seed that --vary draws the input values from.")
def worksheet_command(program, program_file, settings, of, blank, sheet_format, answers,
                      output_path, vary, seed):
    """An exercise sheet for the program: the node table with the values
    and/or the derivatives left blank, the graph, and numbered questions;
    --answers gives the key, --vary N a set of variants with their keys.

    Example:

        cgdiff worksheet 'J = 0.5*(w*x + b - y)^2' --set w=2,x=-2,b=8,y=2 --blank grads
    """
    from . import worksheet
    from .render import sheets as pages_output

    source = read_program(program, program_file)
    if vary is None:
        if not outfile.is_stdout(output_path):
            outfile.check(output_path)
        with _Run(source):
            sheet = worksheet.build(source, settings, of, blank)
            text = pages_output.render(sheet, sheet_format, answers)
        if outfile.is_stdout(output_path):
            click.echo(text, nl=False)
        else:
            outfile.write_text(output_path, text)
        return
    if output_path == outfile.STDOUT:
        raise click.UsageError("--vary writes a set of files: -o names their folder, "
                               "not standard output ('-')")
    directory = Path(output_path or ".")
    names = worksheet.file_names(vary, pages_output.SUFFIXES[sheet_format])
    if directory.is_dir():  # else it is made below, once the sheets are ready
        for sheet_name, key_name in names:
            outfile.check(directory / sheet_name)
            outfile.check(directory / key_name)
    with _Run(source):
        from .render.progress import progress

        with progress(vary, "drawing inputs") as update:  # on a terminal only
            sheets = worksheet.variant_sheets(source, vary, seed, settings, of, blank,
                                              on_variant=update)
        pages = [(pages_output.render(sheet, sheet_format), pages_output.render(sheet, sheet_format, True))
                 for sheet in sheets]
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ProgramError(OutputError(
            f"cannot make the folder {clip(str(directory), 200)}: "
            f"{error.strerror or error}"), None) from None
    files = []
    for (sheet_name, key_name), (page, key) in zip(names, pages):
        files += [(directory / sheet_name, page), (directory / key_name, key)]
    outfile.write_set(files)  # all or none
    for (sheet_name, key_name), sheet in zip(names, sheets):
        note = "" if sheet.nice else " (no inputs found that keep every number short)"
        click.echo(f"wrote {directory / sheet_name} and {directory / key_name}{note}", err=True)


@cli.command("grade", epilog=EXIT_STATUSES)
@click.argument("sheets", nargs=-1, required=True, metavar="SHEET...")
@click.option("-f", "--file", "program_file", type=click.File("rb"),
              help="The program (default: the one each Markdown sheet states; a CSV sheet "
                   "needs it or --key).")
@click.option("--key", "key_file", type=click.File("rb"), metavar="KEY.md",
              help="An answer key (or any sheet) to take the program and inputs from.")
@click.option("--set", "settings", multiple=True, callback=parse_settings,
              metavar="NAME=VALUE[,...]",
              help="Inputs' values, over those a sheet states (repeatable).")
@click.option("--of", "of", metavar="NAME", help="The output node (default: the last statement).")
@click.option("--pass", "passing", type=click.FloatRange(0, 100), metavar="PERCENT",
              help="The pass mark, in percent of the cells (with carried-forward credit): "
                   "exit status 3 if a sheet scores below it.")
@format_option(grade_output.FORMATS,
               help="table for people (cell by cell for one sheet, one row per sheet for "
                    "many); json; csv (one row per sheet, for a gradebook); plain.")
def grade_command(sheets, program_file, key_file, settings, of, passing, output_format):
    """Mark filled-in worksheets with error carried forward: a value that
    follows from the student's own earlier values by the node's operation is
    marked right, "carried forward" (likewise derivatives, in reverse order).
    SHEET: a Markdown page written by `cgdiff worksheet` with its blanks filled
    in, or a CSV file node,value,derivative. Gives a score with and without
    carried-forward credit; many sheets give one row each.

    Example:

    \b
        cgdiff grade sheet-01.md
        cgdiff grade sheets/*.md --format csv --pass 60
        cgdiff grade answers.csv -f examples/seed-steps.cg --set w=2,x=-2,b=8,y=2
    """
    from .grade import grade_files, read_markdown

    source = None
    if program_file is not None and key_file is not None:
        raise click.UsageError("give the program with -f or --key, not both")
    if program_file is not None:
        source = read_program(None, program_file)
    key_inputs = {}
    if key_file is not None:
        from .errors import SheetError

        name = getattr(key_file, "name", "the key")
        try:
            key = read_markdown(name, key_file.read().decode("utf-8-sig", "replace"))
        except SheetError as error:
            raise ProgramError(error, None) from None
        source, key_inputs = key.program, key.inputs or {}
    files = []
    for path in sheets:
        try:
            with open(path, "rb") as handle:
                files.append((path, handle.read(MAX_PROGRAM_BYTES)))
        except OSError as error:
            raise click.BadParameter(f"cannot read '{clip(path)}': {error.strerror}",
                                     param_hint="SHEET") from None
    with _Run(source or ""):
        report = grade_files(files, source, {**key_inputs, **settings}, of,
                             None if passing is None else passing / 100)
    emit(report, output_format)
    if report.unreadable:
        raise ProgramError(CgdiffError(
            f"{len(report.unreadable)} of {len(files)} sheets could not be graded: "
            + "; ".join(error.message for error in report.unreadable[:5])), None)
    if report.failing:
        raise Found(f"{len(report.failing)} of {len(report.sheets)} sheets below the pass mark "
                    f"{passing:g}%: " + ", ".join(s.path for s in report.failing[:10]))


@cli.command("jacobian")
@program_options
@wrt_option("The columns: derivatives with respect to these inputs")
@mode_option(["auto", "reverse", "forward"],
             "reverse: one sweep per output; forward: one tangent sweep per input; "
             "auto: whichever takes fewer sweeps.")
@click.option("--stats", is_flag=True,
              help="Also show what each mode costs here: sweeps and node visits.")
@format_option(jacobian_output.FORMATS)
def jacobian_command(program, program_file, settings, of, wrt, mode, stats, output_format):
    """The Jacobian: ∂output/∂input for every output (rows, --of u,v; a vector
    output gives a row per element) and every input (columns).

    Example:

    \b
        cgdiff jacobian 'u = x*y; v = x + y' --of u,v --set x=1,y=2
    """
    from .jacobian import jacobian

    source = read_program(program, program_file)
    with _Run(source):
        result = jacobian(source, settings, of, wrt, mode.lower(), stats)
    emit(result, output_format)


@cli.command("quiz")
@program_options
@click.option("--vary", is_flag=True,
              help="Quiz on a random variant (other input values, as worksheet --vary draws "
                   "them; inputs given with --set stay fixed).")
@seed_option("The random seed of --vary.")
def quiz_command(program, program_file, settings, of, vary, seed):
    """A quiz at the terminal: every node's value, left to right, then every
    ∂J/∂node, right to left, one question at a time; each answer is marked at
    once (a number that follows from your own earlier answers counts: error
    carried forward), a wrong derivative gets a hint built from the local
    derivative, and a summary comes at the end. Answers are read from standard
    input, one a line (an empty line skips a question), so a script can
    answer too.

    Example:

    \b
        cgdiff quiz -f examples/seed-steps.cg --set w=2,x=-2,b=8,y=2
        cgdiff quiz -f examples/seed-steps.cg --set w=2,x=-2,b=8,y=2 < answers.txt
    """
    from .quiz import Quiz

    if program is None and program_file is None:
        raise click.UsageError("quiz reads your answers from standard input: give the program "
                               "as an argument or with -f FILE")
    source = read_program(program, program_file)
    with _Run(source):
        quiz = Quiz(source, settings, of, vary, seed)
    import shutil
    import textwrap

    stdin = sys.stdin
    interactive = stdin.isatty()
    width = min(80, shutil.get_terminal_size((80, 24)).columns)
    for line in quiz.intro():
        click.echo(line)
    for question in quiz.questions:
        what = (f"the value of {question.text}" if question.kind == "value"
                else question.text)
        click.echo(f"\n{question.number}. What is {what}? ", nl=not interactive)
        answer = stdin.readline()
        if not answer:
            answer = None  # the end of the answers: the rest are skipped
        else:
            answer = answer.strip()
            if not interactive:
                click.echo(f"> {answer}")
        with _Run(source):
            feedback = quiz.answer(question, answer)
        for text in (feedback.text, feedback.hint):
            if text:
                click.echo(textwrap.fill(text, width, initial_indent="   ",
                                         subsequent_indent="     ", break_long_words=False,
                                         break_on_hyphens=False))
    graded = quiz.summary()
    right, carried = graded.count("right"), graded.count("carried")
    click.echo(f"\nScore: {right} of {graded.total} right"
               + (f", {right + carried} of {graded.total} with carried-forward credit"
                  if carried else "")
               + f" ({100 * graded.score_carried:.0f}%).")


@cli.command("hessian")
@program_options
@wrt_option("Second derivatives with respect to these inputs")
@format_option(matrix_output.FORMATS)
def hessian_command(program, program_file, settings, of, wrt, output_format):
    """Second derivatives: the matrix of ∂²J/∂x∂y, by the reverse pass run over
    the derivative's own graph (the formulas of grad --symbolic).

    Example:

    \b
        cgdiff hessian 'J = 0.5*(w*x + b - y)^2' --set w=2,x=-2,b=8,y=2 --wrt w,b
    """
    from .hessian import hessian

    source = read_program(program, program_file)
    with _Run(source):
        building("building the Hessian (it grows with the square of the inputs: --wrt "
                 "chooses fewer)")
        result = hessian(source, settings, of, wrt)
    emit(result, output_format)


@cli.command("fit")
@program_options
@click.option("--data", "data_file", type=click.File("rb"), required=True, metavar="FILE.csv",
              help="The rows to fit: a CSV file whose header names inputs.")
@click.option("--params", callback=parse_names, required=True, multiple=True,
              metavar="NAME[,NAME...]",
              help="The inputs to fit (start: --set, else the program's value, else 0).")
@click.option("--lr", type=Number(0, low_open=True), default=0.1,
              show_default=True, help="Learning rate: each step moves p by -lr·∂cost/∂p.")
@click.option("--steps", type=Number(0, MAX_STEPS, integer=True,
                                    why="the fit keeps the cost of every step"), default=10_000, show_default=True,
              help="At most this many steps.")
@click.option("--tol", type=Number(0), default=1e-10, show_default=True,
              help="Stop when the gradient's norm falls below this.")
@format_option(fit_output.FORMATS)
def fit_command(program, program_file, settings, of, data_file, params, lr, steps, tol,
                output_format):
    """Gradient descent: fit --params so that the mean of the output over the
    rows of --data (the cost) is smallest. The output is one row's loss.

    Example:

    \b
        cgdiff fit -f examples/linear.cg --data examples/linear.csv --params w,b
    """
    from . import fit as fitting
    from .api import load
    from .render.progress import progress

    _check_stdin(program, program_file, data_file)
    source = read_program(program, program_file)
    with _Run(source):
        name = getattr(data_file, "name", None)
        building("reading the fit's data rows (all of them are kept in memory)")
        dataset = fitting.read_data(data_file, name if isinstance(name, str) and
                                    name != "<stdin>" else "the data")
        graph = load(source, of, given=[*dataset.columns, *settings, *params])
        # A vector or matrix parameter stands for its elements.
        params = [element for p in params
                  for element in (graph.shapes[p][1] if p in graph.shapes else (p,))]
        with progress(steps, "fitting", cost=True) as update:
            def on_step(step, cost):
                if not step % 50:
                    update(step, cost=format(cost, ".6g"))

            result = fitting.fit(graph, dataset, params, settings, lr, steps, tol, on_step)
    emit(result, output_format)


def main() -> None:
    """The console script. A reader that stops early (``cgdiff ... | head -1``)
    ends the run quietly, as Python's documentation recommends for SIGPIPE;
    running out of memory, or a bug, is still one ``error:`` paragraph."""
    if hasattr(sys.stdout, "reconfigure"):
        # An output encoding without ∂ or θ (PYTHONIOENCODING=ascii) gets \u2202.
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        try:
            cli(prog_name="cgdiff")
        finally:
            sys.stdout.flush()  # here, so a closed pipe is caught below, not at exit
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing more to flush at exit
        sys.exit(1)
    except KeyboardInterrupt:  # outside a command (Click catches the rest)
        Interrupted().show()
        sys.exit(Interrupted.exit_code)
    except MemoryError:
        click.echo(f"error: out of memory while {_building[0]}: too large for this machine "
                   "(each node of a program takes a few hundred bytes)", err=True)
        sys.exit(1)
    except OSError as error:  # writing to a full disk, say
        click.echo(f"error: {error.strerror or error}", err=True)
        sys.exit(1)
    except Exception as error:  # a bug in cgdiff: still one paragraph, unless debugging
        if os.environ.get("CGDIFF_DEBUG"):
            raise
        click.echo(f"error: internal error (a bug in cgdiff, please report it): "
                   f"{type(error).__name__}: {clip(str(error), 200)}\n"
                   f"  CGDIFF_DEBUG=1 shows the traceback", err=True)
        sys.exit(1)
