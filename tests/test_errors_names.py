"""Names: unknown functions and names with suggestions, options naming what the
program lacks, malformed --set, built-ins, duplicates, cycles."""

import pytest

from cases import SEED_SET, SEED_STATEMENTS, clean_error


def test_unknown_function_suggests_the_nearest(run):
    stderr = clean_error(run("eval", "J = sqr(x)", "--set", "x=4"))
    assert stderr == "error: unknown function 'sqr' (did you mean 'sqrt'?)\n  J = sqr(x)\n      ^\n"


def test_unknown_function_far_from_any(run):
    stderr = clean_error(run("eval", "J = frobnicate(x)", "--set", "x=4"))
    assert stderr.startswith("error: unknown function 'frobnicate'\n")


def test_missing_input_that_looks_like_a_typo(run):
    stderr = clean_error(run("eval", "cost = w*x\nJ = cots + 1", "--set", "w=1,x=2"))
    assert "1 input has no value: cots" in stderr and "typo of 'cost'" in stderr


def test_function_used_as_a_name(run):
    assert "'exp' is a function: call it as exp(...)" in clean_error(run("eval", "J = exp + 1"))


@pytest.mark.parametrize("option, words", [
    (["--of", "nosuch"], "--of nosuch: the program has no such name"),
    (["--of", "JJ"], "(did you mean 'J'?)"),
    (["--wrt", "nosuch"], "--wrt nosuch: the program has no such name"),
    (["--wrt", "w,nosuch"], "--wrt nosuch"),
    (["--set", "nosuch=1"], "--set nosuch: 'nosuch' is not a name in the program"),
    (["--set", "c=1"], "--set c: 'c' is a statement, not an input"),
])
def test_option_naming_something_absent_is_error_1(run, option, words):
    command = "grad" if option[0] == "--wrt" else "eval"
    stderr = clean_error(run(command, SEED_STATEMENTS, "--set", SEED_SET, *option))
    assert words in stderr


@pytest.mark.parametrize("setting", ["w=abc", "w", "=3", "w=", "w=2,,x=1", "w=1e", "w=0x10"])
def test_malformed_set_is_a_usage_error(run, setting):
    stderr = clean_error(run("eval", "J = w*x", "--set", setting), status=2)
    assert "Error: Invalid value for '--set'" in stderr


@pytest.mark.parametrize("option", [["--wrt", ""], ["--wrt", "w,,x"], ["--format", "xml"],
                                    ["--mode", "sideways"]])
def test_other_malformed_options_are_usage_errors(run, option):
    clean_error(run("grad", "J = w*x", "--set", "w=1,x=2", *option), status=2)


@pytest.mark.parametrize("source, words", [
    ("pi = 3\nJ = pi*2", "cannot assign to 'pi': it is a built-in constant"),
    ("e = 3", "cannot assign to 'e': it is a built-in constant"),
    ("exp = 3", "cannot assign to 'exp': it is a built-in function"),
    ("J = x; ln = 2*J", "cannot assign to 'ln': it is a built-in function"),
])
def test_assigning_to_a_built_in(run, source, words):
    assert words in clean_error(run("eval", source))


def test_duplicate_definition_points_at_the_second(run):
    stderr = clean_error(run("eval", "a = 1 + x\nb = 2\na = 3\n"))
    assert stderr == ("error: 'a' is defined twice (first at line 1, column 1)\n"
                      "  3 | a = 3\n"
                      "    | ^\n")


@pytest.mark.parametrize("source, words", [
    ("a = b + 1; b = a*2", "a cycle: a → b → a"),
    ("a = b; b = c; c = a", "a cycle: a → b → c → a"),
    ("J = a; a = b + 1; b = c*2; c = a - 1", "a cycle: a → b → c → a"),
    ("a = a + 1", "'a' is defined in terms of itself"),
    ("J = 2*x\nx = J", "a cycle: J → x → J"),
])
def test_cycles_are_shown(run, source, words):
    assert words in clean_error(run("eval", source))


def test_a_long_cycle_is_found_without_recursion(run):
    n = 5000
    source = "\n".join(f"a{i} = a{(i + 1) % n} + 1" for i in range(n))
    stderr = clean_error(run("eval", source))
    assert stderr.startswith("error: a cycle: a0 → a1 → a2 → a3 → a4 → a5 → … (4,989 more) → "
                             "a4995 → a4996 → a4997 → a4998 → a4999 → a0\n")


def test_long_names_are_clipped_in_messages(run):
    name = "n" * 100_000
    stderr = clean_error(run("eval", f"J = {name}(2)"))
    assert len(stderr) < 400
    stderr = clean_error(run("eval", "J = 2*x", "--set", f"{name}=1"))
    assert len(stderr) < 400


@pytest.mark.parametrize("command, option, value, status", [
    ("eval", "--set", "x=" + "1" * 100_000, 1),
    ("eval", "--set", "x" * 100_000 + "=1", 1),
    ("eval", "--set", "x=" + "a" * 100_000, 2),
    ("eval", "--set", "x" * 100_000, 2),
    ("eval", "--of", "J" * 100_000, 1),
    ("grad", "--wrt", "x," * 50_000 + ",", 2),
    ("grad", "--wrt", "y" * 100_000, 1),
])
def test_long_option_values_are_clipped(run, command, option, value, status):
    stderr = clean_error(run(command, "J = 2*x", "--set", "x=1", option, value), status)
    assert len(stderr) < 400


def test_control_characters_in_options_are_escaped(run):
    stderr = clean_error(run("eval", "J = 2*x", "--set", "\x1b[31m=1"))
    assert "\x1b" not in stderr and "\\x1b[31m" in stderr
