"""The extended language (issue 15): user-defined functions, several outputs,
vectors and matrices, all unrolled into scalar nodes when the graph is built."""

import json

import pytest

from cgdiff.api import differentiate, load

from cases import SEED_SET, clean_error

SEED_GRADIENT = {"w": -4.0, "x": 4.0, "b": 2.0, "y": -2.0}


# ---------------------------------------------------------------- user-defined functions

def test_a_user_function_gives_the_seeds_numbers(run):
    result = run("grad", "sq(t) = t^2; J = 0.5*sq(w*x + b - y)", "--set", SEED_SET,
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["value"] == 2.0
    assert data["gradient"] == SEED_GRADIENT
    labels = [node["label"] for node in data["nodes"]]
    assert "sq(w*x + b - y)" in labels  # the call's node, labelled with the call


def test_functions_may_come_after_their_use_and_call_each_other():
    source = "J = f(w, x) + 1\nf(a, b) = sq(a*b) + a\nsq(t) = t*t"
    result = differentiate(source, {"w": 2.0, "x": 3.0})
    # J = (w x)^2 + w + 1: dJ/dw = 2 w x^2 + 1, dJ/dx = 2 w^2 x
    assert result.value == 36 + 2 + 1
    assert result.gradient == {"w": 2 * 2 * 9 + 1, "x": 2 * 4 * 3}


def test_each_call_is_a_cluster_of_its_own_nodes():
    graph = load("sq(t) = t*t + 1; J = sq(x) + sq(y)")
    assert [call.label for call in graph.calls] == ["sq(x)", "sq(y)"]
    members = {}
    for node, call in graph.call_of.items():
        members.setdefault(call, []).append(node)
    assert len(members) == 2 and all(len(nodes) == 3 for nodes in members.values())
    assert graph.label(graph.calls[0].top) == "sq(x)"
    inner = [graph.label(n) for n in members[0] if n != graph.calls[0].top]
    assert "t*t in sq(x)" in inner


def test_a_function_reads_program_names():
    result = differentiate("w = 2; J = f(3); f(x) = w*x", {})
    assert result.value == 6.0 and result.gradient == {"w": 3.0}


def test_a_function_returning_its_parameter():
    result = differentiate("id(t) = t; J = id(x)*2", {"x": 5.0})
    assert result.value == 10.0 and result.gradient == {"x": 2.0}


def test_parameters_shadow_program_names():
    result = differentiate("x = 3; f(x) = x^2; J = f(x + 1)", {})
    assert result.value == 16.0 and result.gradient == {"x": 8.0}


@pytest.mark.parametrize("source, message, column", [
    ("f(x) = f(x) + 1; J = f(2)", "'f' calls itself", 8),
    ("f(x) = g(x); g(y) = f(y)*2; J = f(1)", "recursion: f → g → f", 21),
    ("f(x, x) = x; J = f(1, 2)", "the parameter 'x' is named twice in f()", 6),
    ("f(x, y) = x*y; J = f(1)", "f(x, y) takes 2 arguments, got 1", 20),
    ("exp(x) = x; J = exp(1)", "cannot define 'exp': it is a built-in function", 1),
    ("pi(x) = x; J = pi(1)", "cannot define 'pi': it is a built-in constant", 1),
    ("sq(t) = t^2; J = t + sq(2)", "'t' is a parameter of sq(t)", 18),
    ("sq(t) = t^2; J = sq + 1", "'sq' is a function: call it as sq(...)", 18),
    ("f(2) = 3; J = f(1)", "a parameter must be a name", 3),
    ("f(x) = x; f(y) = y; J = f(1)", "the function 'f' is defined twice", 11),
    ("f(x) = x; f = 2; J = f(1)", "'f' is both a function and a statement", 1),
    ("J = sqr(x)", "unknown function 'sqr' (did you mean 'sqrt'?)", 5),
])
def test_function_errors_have_a_caret(run, source, message, column):
    assert_caret(run, source, message, column)


def assert_caret(run, source, message, column):
    """eval's error names ``message``, its caret under ``column`` (1-based)."""
    stderr = clean_error(run("eval", source, "--set", "x=1"))
    first, shown, caret = stderr.splitlines()
    assert message in first
    assert caret.index("^") - 2 == column - 1, stderr


# ---------------------------------------------------------------- vectors and matrices

SOFTMAX_GRADIENT = [0.041772570515350445, 0.8390245074625319, 0.005653302662216329,
                    -0.8864503806400986]


def test_micrograds_softmax_exercise_with_a_vector(run):
    result = run("grad", "logits = [0, 3, -2, 1]; p = softmax(logits); L = -log(p[3])",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    gradient = json.loads(result.stdout)["gradient"]
    values = gradient["logits"] if "logits" in gradient else \
        [gradient[f"logits[{k}]"] for k in range(4)]
    assert values == pytest.approx(SOFTMAX_GRADIENT, abs=1e-12)


def test_a_matrix_set_on_the_command_line(run):
    result = run("eval", "J = sum(W @ x)", "--set", "W=[[1,2],[3,4]],x=[1,-1]",
                 "--format", "plain")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "-2.0\n"


def test_elements_are_named_and_labelled():
    graph = load("x = [1, 2]; W = [[1, 0], [0, 1]]; z = W @ x + 1; J = sum(z)")
    assert [name for name in graph.inputs] == ["x[0]", "x[1]", "W[0,0]", "W[0,1]",
                                               "W[1,0]", "W[1,1]"]
    assert graph.label(graph.index["z[1]"]) == "(W @ x + 1)[1]"
    assert graph.shapes["W"][0] == (2, 2)


@pytest.mark.parametrize("source, message, column", [
    ("z = [1,2]; J = z[2]", "index 2 is out of range: 'z' is a vector of 2", 18),
    ("W = [[1,2],[3,4]]; x = [1,2,3]; J = sum(W @ x)",
     "'W' is a 2×2 matrix, 'x' is a vector of 3", 43),
    ("x = [1,2]; y = [1,2,3]; J = sum(x + y)",
     "'x' is a vector of 2, 'y' is a vector of 3", 35),
    ("x = [1,2]; J = x[0.5]", "an index must be a whole number", 18),
    ("J = [[1, 2], [3]]", "row 0 is a vector of 2, row 1 is a vector of 1", 14),
    ("J = x[0]", "'x' is a scalar", 6),
])
def test_shape_errors_have_a_caret(run, source, message, column):
    assert_caret(run, source, message, column)


# ---------------------------------------------------------------- pictures of calls

def test_dot_draws_each_call_as_a_cluster_nested_in_its_caller(run, tmp_path):
    source = "f(a, b) = sq(a*b) + a; sq(t) = t*t; J = f(w, x)"
    result = run("graph", source, "--format", "dot")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.count("subgraph cluster_call") == 2
    outer = text.index('label="f(w, x)"')
    inner = text.index('label="sq(a*b)"')
    assert outer < inner < text.index("}", inner)  # sq's cluster inside f's
    import shutil
    import subprocess

    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg", "-o", str(tmp_path / "g.svg")], input=text.encode(),
                       check=True)


def test_collapse_calls_draws_a_call_as_one_node(run):
    source = "sq(t) = t*t + 1; J = sq(x) + sq(y)"
    result = run("graph", source, "--format", "mermaid", "--collapse-calls")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "subgraph" not in text and "t*t" not in text
    assert text.count("call sq") == 2
    assert "n0 --> n" in text  # x feeds its call directly
    dot = run("graph", source, "--format", "dot", "--collapse-calls").stdout
    assert "cluster" not in dot and dot.count("call sq") == 2


def test_collapse_calls_is_for_pictures_with_nodes(run):
    result = run("graph", "sq(t) = t*t; J = sq(x)", "--collapse-calls")
    assert result.exit_code == 2 and "--collapse-calls" in result.stderr


# ---------------------------------------------------------------- several outputs, Jacobian

@pytest.mark.parametrize("mode", ["auto", "reverse", "forward"])
def test_jacobian_of_two_outputs(run, mode):
    result = run("jacobian", "u = x*y; v = x + y", "--of", "u,v", "--set", "x=1,y=2",
                 "--mode", mode, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["jacobian"] == [[2.0, 1.0], [1.0, 1.0]]
    assert data["outputs"] == ["u", "v"] and data["wrt"] == ["x", "y"]


def test_jacobian_auto_picks_the_cheaper_mode_and_stats_show_both(run):
    # 3 outputs, 1 input: forward mode takes one sweep, reverse three
    result = run("jacobian", "a = x^2; b = 2*x; c = exp(x)", "--of", "a,b,c", "--set", "x=0",
                 "--stats", "--format", "json")
    data = json.loads(result.stdout)
    assert data["mode"] == "forward"
    assert data["stats"]["forward"]["sweeps"] == 1 and data["stats"]["reverse"]["sweeps"] == 3
    assert data["jacobian"] == [[0.0], [2.0], [1.0]]


def test_jacobian_formats(run):
    args = ["jacobian", "u = x*y; v = x + y", "--of", "u,v", "--set", "x=1,y=2"]
    assert run(*args, "--format", "plain").stdout == "2.0\t1.0\n1.0\t1.0\n"
    assert run(*args, "--format", "csv").stdout == ",x,y\nu,2.0,1.0\nv,1.0,1.0\n"
    table = run(*args, "--stats").stdout
    assert "reverse (used)" in table and "∂row/∂column" in table


def test_jacobian_of_a_vector_output_has_a_row_per_element(run):
    result = run("jacobian", "z = W @ x", "--set", "W=[[1,2],[3,4]],x=[5,6]", "--wrt", "x",
                 "--format", "json")
    data = json.loads(result.stdout)
    assert data["outputs"] == ["z[0]", "z[1]"]
    assert data["jacobian"] == [[1.0, 2.0], [3.0, 4.0]]


def test_grad_of_several_outputs(run):
    result = run("grad", "u = x*y; v = x + y", "--of", "u,v", "--set", "x=1,y=2",
                 "--format", "json")
    data = json.loads(result.stdout)
    assert data["outputs"] == ["u", "v"] and data["values"] == {"u": 2.0, "v": 3.0}
    assert data["gradient"] == {"u": {"x": 2.0, "y": 1.0}, "v": {"x": 1.0, "y": 1.0}}
    assert data["nodes"][0]["grad"] == {"u": 2.0, "v": 1.0}
    table = run("grad", "u = x*y; v = x + y", "--of", "u,v", "--set", "x=1,y=2").stdout
    assert "∂u/∂node" in table and "∂v/∂node" in table
    one = json.loads(run("grad", "u = x*y; v = x + y", "--of", "u", "--set", "x=1,y=2",
                         "--format", "json").stdout)
    assert "outputs" not in one and one["gradient"] == {"x": 2.0, "y": 1.0}


def test_eval_of_several_outputs_plain(run):
    result = run("eval", "u = x*y; v = x + y", "--of", "u,v", "--set", "x=1,y=2",
                 "--format", "plain")
    assert result.stdout == "u\t2.0\nv\t3.0\n"


def test_one_output_commands_refuse_several(run):
    result = run("hessian", "u = x*y; v = x + y", "--of", "u,v", "--set", "x=1,y=2")
    assert result.exit_code == 2 and "takes one output" in result.stderr


# ---------------------------------------------------------------- forward mode shown

def test_grad_forward_shows_the_tangent_column(run):
    result = run("grad", "--mode", "forward", "--wrt", "w", "-f", "examples/seed.cg")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "∂node/∂w" in result.stdout
    j_row = next(line for line in lines if line.startswith("│ J "))
    assert j_row.rstrip(" │").endswith("-4")
    data = json.loads(run("grad", "--mode", "forward", "--wrt", "w,b", "-f", "examples/seed.cg",
                          "--format", "json").stdout)
    j = next(node for node in data["nodes"] if node["id"] == "J")
    assert j["tangent"] == {"w": -4.0, "b": 2.0}
    assert data["gradient"] == {"w": -4.0, "b": 2.0}


# ---------------------------------------------------------------- gradients in their shape

def test_a_matrix_gradient_is_printed_in_its_shape(run):
    args = ["grad", "J = sum(W @ x)", "--set", "W=[[1,2],[3,4]],x=[1,-1]"]
    data = json.loads(run(*args, "--format", "json").stdout)
    assert data["gradient"] == {"W": [[1.0, -1.0], [1.0, -1.0]], "x": [4.0, 6.0]}
    table = run(*args).stdout
    assert "∂J/∂W =" in table and "[  1  -1 ]" in table
    assert run(*args, "--format", "plain").stdout.startswith("W[0,0]\t1.0\n")
    one = json.loads(run(*args, "--wrt", "W[0,1]", "--format", "json").stdout)
    assert one["gradient"] == {"W[0,1]": -1.0}


# ---------------------------------------------------------------- a two-layer network

from hypothesis import given, settings as hypothesis_settings, strategies as st  # noqa: E402

NETWORK = "h = tanh(W1 @ x + b1)\np = softmax(W2 @ h + b2)\nL = -log(p[{y}])\n"


def _scalar_network(n_in, n_hidden, n_out, y):
    """The same network, one scalar statement per number."""
    lines = []
    for i in range(n_hidden):
        terms = " + ".join(f"W1_{i}_{j}*x_{j}" for j in range(n_in))
        lines.append(f"h_{i} = tanh({terms} + b1_{i})")
    for k in range(n_out):
        terms = " + ".join(f"W2_{k}_{i}*h_{i}" for i in range(n_hidden))
        lines.append(f"z_{k} = {terms} + b2_{k}")
    total = " + ".join(f"exp(z_{k})" for k in range(n_out))
    lines.append(f"L = -log(exp(z_{y})/({total}))")
    return "\n".join(lines) + "\n"


@hypothesis_settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.data())
def test_a_two_layer_network_with_matrices_equals_it_in_scalars(n_in, n_hidden, n_out, data):
    number = st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 3))
    y = data.draw(st.integers(0, n_out - 1))
    shapes = {"W1": (n_hidden, n_in), "x": (n_in,), "b1": (n_hidden,),
              "W2": (n_out, n_hidden), "b2": (n_out,)}
    vector_settings, scalar_settings = {}, {}
    for name, shape in shapes.items():
        for index in ([(i, j) for i in range(shape[0]) for j in range(shape[1])]
                      if len(shape) == 2 else [(i,) for i in range(shape[0])]):
            value = data.draw(number)
            vector_settings[f"{name}[{','.join(map(str, index))}]"] = value
            scalar_settings[f"{name}_{'_'.join(map(str, index))}"] = value
    vector = differentiate(NETWORK.format(y=y), vector_settings)
    scalar = differentiate(_scalar_network(n_in, n_hidden, n_out, y), scalar_settings)
    assert vector.value == pytest.approx(scalar.value, rel=1e-12, abs=1e-12)
    for name, d in vector.gradient.items():
        base, index = name[:-1].split("[")
        other = scalar.gradient[f"{base}_{index.replace(',', '_')}"]
        assert d == pytest.approx(other, rel=1e-12, abs=1e-12), name


def test_data_columns_per_element_give_a_vector_input(run, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("x[0],x[1],y\n1,2,3\n2,0,1\n")
    result = run("grad", "L = (dot(w, x) - y)^2", "--set", "w=[0.5,0.5]", "--data", str(path),
                 "--wrt", "w")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["x[0],x[1],y,L,dL/dw[0],dL/dw[1]",
                                          "1.0,2.0,3.0,2.25,-3.0,-6.0",
                                          "2.0,0.0,1.0,0.0,0.0,0.0"]
    fitted = run("fit", "L = (dot(w, x) - y)^2", "--data", str(path), "--params", "w",
                 "--set", "w=[0,0]", "--format", "json")
    assert fitted.exit_code == 0, fitted.stderr
    params = json.loads(fitted.stdout)["params"]
    assert params["w[0]"] == pytest.approx(0.5) and params["w[1]"] == pytest.approx(1.25)


def test_explain_forward_tells_the_sweep_left_to_right(run):
    result = run("explain", "--mode", "forward", "-f", "examples/seed.cg", "--wrt", "w")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Forward mode works left to right" in text
    assert "w*x goes down by 2ε: x = -2 times w's ε." in text
    assert text.index("w*x goes down") < text.index("J = 0.5*(w*x + b - y)^2 goes down by 4ε")
    assert "So ∂J/∂w = -4." in text


# ---------------------------------------------------------------- limits

def test_nested_calls_past_the_limit_are_refused_before_building(run):
    lines = ["f0(x) = x*x"] + [f"f{k}(x) = f{k - 1}(x) + f{k - 1}(x)" for k in range(1, 40)]
    stderr = clean_error(run("eval", "\n".join(lines + ["J = f39(y)"]), "--set", "y=1"))
    assert "would unroll to" in stderr and "more than the limit of 20,000,000" in stderr
    assert "^" in stderr


def test_a_vector_operation_past_the_limit_is_refused_before_building(run, monkeypatch):
    from cgdiff import expand

    monkeypatch.setattr(expand, "MAX_NODES", 10_000)
    source = "x = [" + ", ".join(["1"] * 200) + "]; J = sum(transpose([x]) @ [x])"
    stderr = clean_error(run("eval", source))
    assert "'transpose([x]) @ [x]' would unroll to 40,000 nodes" in stderr


def test_the_running_count_stops_a_build_at_the_limit(monkeypatch):
    from cgdiff import expand
    from cgdiff.errors import CgdiffError

    monkeypatch.setattr(expand, "MAX_NODES", 50)
    with pytest.raises(CgdiffError, match="more than 50 nodes"):
        load("J = sum(x)", given=[f"x[{k}]" for k in range(60)])


@pytest.mark.slow
def test_a_million_unrolled_nodes_work(run):
    lines = ["f0(x) = x*x + 1"] + [f"f{k}(x) = f{k - 1}(x) + f{k - 1}(x)" for k in range(1, 18)]
    result = run("grad", "-f", "-", "--set", "y=1", "--format", "plain",
                 input="\n".join(lines + ["J = f17(y)"]))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"y\t{2.0 * 2 ** 17!r}\n"


def test_check_and_explain_of_several_outputs(run):
    args = ["u = x*y; v = x + y", "--of", "u,v", "--set", "x=1,y=2"]
    plain = run("check", *args, "--format", "plain")
    assert plain.exit_code == 0, plain.stderr
    lines = [line.split("\t") for line in plain.stdout.splitlines()]
    assert [(line[0], line[1], line[2], line[-1]) for line in lines] == [
        ("u", "x", "2.0", "ok"), ("u", "y", "1.0", "ok"), ("v", "x", "1.0", "ok"),
        ("v", "y", "1.0", "ok")]
    data = json.loads(run("check", *args, "--format", "json").stdout)
    assert data["outputs"] == ["u", "v"] and data["checks"]["v"]["ok"] is True
    table = run("check", *args).stdout
    assert "output u:" in table and "output v:" in table and "∂v/∂input" in table
    text = run("explain", *args).stdout
    assert "Output u:" in text and "Output v:" in text and "∂v/∂y = 1" in text


def test_check_of_a_vector_output_checks_each_element(run):
    result = run("check", "z = W @ x", "--set", "W=[[1,2],[3,4]],x=[5,6]", "--wrt", "x",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["outputs"] == ["z[0]", "z[1]"]


def test_symbolic_gradient_of_a_vector_program_reads_back(run, tmp_path):
    source = "x = [1, 2]; w = [0.5, -1]; J = sum(w*x)^2"
    text = run("grad", "--symbolic", source).stdout
    assert "dJ_dw_1 = " in text and "[" not in text.split("\n", 1)[1]
    path = tmp_path / "d.cg"
    path.write_text(text)
    result = run("eval", "-f", str(path), "--of", "dJ_dw_1", "--format", "plain")
    assert result.stdout == "-6.0\n"
    hessian = json.loads(run("hessian", source, "--wrt", "w", "--format", "json").stdout)
    assert hessian["hessian"] == [[2.0, 4.0], [4.0, 8.0]]
