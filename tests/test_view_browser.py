"""`cgdiff view` in a real browser: Debian's headless Chromium driven by
selenium through Debian's chromedriver (`.ci/run` installs both when missing).

The page of the lecture's graph is stepped through, forward then reverse, with
the arrow keys and the buttons; at every step the numbers it shows are compared
with `cgdiff grad --format json`, and its sentences with `cgdiff explain`'s.
Then an input is changed in the page and the new numbers are compared with
cgdiff's at the new point. No request may leave the page.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cgdiff import ops
from cgdiff.api import differentiate
from cgdiff.explain import _step, explain
from cgdiff.text import human_number
from cgdiff.render.page import page_data

selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

from cases import SEED_SET, SEED_STATEMENTS, SEED_VALUES  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--window-size=1400,800", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def cgdiff(*args: str) -> subprocess.CompletedProcess:
    """The installed command, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "cgdiff", *args], capture_output=True,
                          text=True, check=True)


def write_page(tmp_path: Path, program: str, settings: str, name: str = "page.html",
               *extra: str) -> Path:
    path = tmp_path / name
    cgdiff("view", program, "--set", settings, "-o", str(path), *extra)
    return path


def grad_json(program: str, settings: str) -> dict:
    return json.loads(cgdiff("grad", program, "--set", settings, "--format", "json").stdout)


def requests(driver) -> list[tuple[str, str]]:
    """(document, URL) of every request made since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            params = message["params"]
            urls.append((params.get("documentURL", ""), params["request"]["url"]))
    return urls


def shown_numbers(driver) -> dict[str, tuple[str, str | None]]:
    """The text and full-precision number of every value and derivative shown."""
    return driver.execute_script("""
      const shown = {};
      for (const element of document.querySelectorAll("text.value, text.grad"))
        shown[element.id] = [element.textContent, element.getAttribute("data-full")];
      return shown;""")


def close(a: float, b: float) -> bool:
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def check_numbers(driver, expected: dict, values_shown: int, grads_shown: set[int]) -> None:
    """The numbers above and below each node, against grad --format json."""
    shown = shown_numbers(driver)
    for i, node in enumerate(expected["nodes"]):
        text, full = shown[f"v-{i}"]
        literal = node["op"] == "const" and human_number(node["value"]) == node["label"]
        if i < values_shown:
            assert text == ("" if literal else human_number(node["value"])), (i, text)
            assert close(float(full), node["value"])
        else:
            assert text == "" and full is None, (i, text)
        text, full = shown[f"g-{i}"]
        if i in grads_shown:
            assert text == human_number(node["grad"]), (i, text, node)
            assert close(float(full), node["grad"])
        else:
            assert text == "" and full is None, (i, text)


def test_seed_page_steps_through_both_passes(browser, tmp_path):
    page = write_page(tmp_path, SEED_STATEMENTS, SEED_SET)
    text = page.read_text(encoding="utf-8")
    # Self-contained: no address of any kind to fetch from.
    for reference in ("http:", "https:", "src=", "href=\"http", "@import", "url(http"):
        assert reference not in text
    browser.get_log("performance")
    browser.get(page.as_uri())
    expected = grad_json(SEED_STATEMENTS, SEED_SET)
    n = len(expected["nodes"])
    result = differentiate(SEED_STATEMENTS, SEED_VALUES)
    graph = result.graph
    data = page_data(result, "builtin")
    reverse_order = browser.execute_script("return window.cgdiffView.reverseOrder()")
    assert reverse_order == [i for i in range(graph.output, -1, -1)
                             if graph.op[i] is not ops.CONST]
    total = browser.execute_script("return window.cgdiffView.total()")
    assert total == n + len(reverse_order) + 1
    explained = "\n".join(explain(result))

    body = browser.find_element(By.TAG_NAME, "body")
    check_numbers(browser, expected, 0, set())
    # The forward pass with the → key.
    for s in range(1, n + 1):
        body.send_keys(Keys.ARROW_RIGHT)
        assert browser.find_element(By.ID, "counter").text == f"step {s} of {total}"
        check_numbers(browser, expected, s, set())
        current = browser.find_elements(By.CSS_SELECTOR, ".node.current")
        assert [c.get_attribute("id") for c in current] == [f"n-{s - 1}"]
        sentence = browser.find_element(By.ID, "sentence").text
        assert sentence.endswith(human_number(expected["nodes"][s - 1]["value"]) + ".") or \
            sentence.endswith(", the output.")
        active = {e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, ".edge.active")}
        assert active == {f"e-{a}-{s - 1}-{p}" for p, a in enumerate(graph.args(s - 1))}
    # The reverse pass with the "next" button.
    done: set[int] = set()
    for r, i in enumerate(reverse_order, start=1):
        browser.find_element(By.ID, "next").click()
        done.add(i)
        check_numbers(browser, expected, n, done)
        sentence = browser.find_element(By.ID, "sentence").text
        if i != graph.output:
            users = [(k, p) for k, p, _, _ in data["nodes"][i]["users"]]
            python = "\n".join(_step(graph, result.values, result.adjoints, i, users,
                                     data["J"], data["dJ"]))
            assert sentence == python
            if graph.op[i] is ops.INPUT or i in (2, 4, 5, 6):  # on a path from an input
                assert python in explained
        active = {e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, ".edge.active")}
        assert active == {f"e-{i}-{k}-{p}" for k, p, _, _ in data["nodes"][i]["users"]}
    browser.find_element(By.ID, "next").click()
    assert browser.find_element(By.ID, "sentence").text == next(
        line for line in explain(result) if line.startswith("So "))
    # ← goes back one step.
    body.send_keys(Keys.ARROW_LEFT)
    assert browser.find_element(By.ID, "counter").text == f"step {total - 1} of {total}"

    # A new input value: both passes re-run in the page.
    box = browser.find_element(By.ID, "input-w")
    box.clear()
    box.send_keys("3.7", Keys.ENTER)
    browser.find_element(By.ID, "last").click()
    moved = grad_json(SEED_STATEMENTS, SEED_SET.replace("w=2", "w=3.7"))
    assert moved["value"] != expected["value"]
    check_numbers(browser, moved, n, set(reverse_order))
    values = browser.execute_script("return window.cgdiffView.values()")
    adjoints = browser.execute_script("return window.cgdiffView.adjoints()")
    for i, node in enumerate(moved["nodes"]):
        assert close(values[i], node["value"]) and close(adjoints[i], node["grad"])

    # Click a node: its numbers, partials and sentence.
    c = graph.index["c"]
    browser.find_element(By.CSS_SELECTOR, f"#n-{c} .label").click()
    detail = browser.find_element(By.ID, "detail").text
    assert "c = w*x" in detail and "value: " + human_number(moved["nodes"][c]["value"]) in detail
    assert f"∂J/∂c = {human_number(moved['nodes'][c]['grad'])}" in detail
    assert "∂c/∂w = -2" in detail and "∂c/∂x = 3.7" in detail
    assert "if c goes up by ε" in detail.replace("If", "if")

    # Zoom changes the view box; "fit" brings the whole graph back.
    def view_box():
        return [float(x) for x in browser.execute_script(
            "return document.getElementById('graph').getAttribute('viewBox')").split()]

    before = view_box()
    assert before
    browser.find_element(By.ID, "zoom-in").click()
    assert view_box() != before
    browser.find_element(By.ID, "zoom-fit").click()
    assert view_box() == before

    # Nothing but the page itself was requested, and nothing went wrong.
    # (Chromium's own chrome:// pages load their resources; the page loads none.)
    urls = requests(browser)
    mine = [url for document, url in urls if document == page.as_uri()]
    assert mine and all(url == page.as_uri() or url.startswith("data:") for url in mine), mine
    assert not [url for _, url in urls if not url.startswith(("file:", "data:", "chrome:"))], urls
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def test_an_input_outside_the_domain_says_so(browser, tmp_path):
    page = write_page(tmp_path, "J = log(x)*w", "x=2,w=3")
    browser.get(page.as_uri())
    box = browser.find_element(By.ID, "input-x")
    box.clear()
    box.send_keys("-1", Keys.ENTER)
    error = browser.find_element(By.ID, "error")
    assert error.is_displayed() and "log(x) cannot be computed" in error.text
    box.clear()
    box.send_keys("4", Keys.ENTER)
    assert not error.is_displayed()
    browser.find_element(By.ID, "last").click()
    assert browser.find_element(By.ID, "v-2").text == human_number(math.log(4))


#: Points where every operation is tried: ordinary ones, kinks, ties, zeros and
#: domain edges (where both sides must agree that there is no number).
POINTS = [(0.7, 1.3), (-1.6, 2.0), (2.5, -0.5), (0.0, 0.5), (0.0, -1.0), (0.0, 0.0), (3.0, 3.0),
          (-2.0, 3.0), (-2.0, 0.5), (1e-3, 40.0), (25.0, 2.0), (-30.0, 1.0), (800.0, 2.0)]


def test_the_pages_op_table_matches_cgdiffs(browser, tmp_path):
    """Every op's JavaScript value and partials equal ops.py's to 1e-12
    (nan where Python has none or raises)."""
    names = [name for name, op in ops.BY_NAME.items() if op.js]
    def call(name):  # at a point where the page can be written (acosh needs b = 2)
        op = ops.BY_NAME[name]
        if op.arity == 2:
            return f"{name}(a, b)"
        try:
            op.value(0.5)
            return f"{name}(a)"
        except (ValueError, ZeroDivisionError, OverflowError):
            return f"{name}(b)"

    calls = " + ".join(call(name) for name in names if name in ops.FUNCTIONS)
    page = write_page(tmp_path, f"J = {calls} + a*b + a/b + a - b + -a + a^b\nK = J", "a=0.5,b=2",
                      "ops.html")
    browser.get(page.as_uri())
    script = """
      const [name, a, b] = arguments;
      const op = OPS[name];
      if (op.value.length === 2) { const out = op.value(a, b); return [out, op.partials(a, b, out)]; }
      const out = op.value(a); return [out, op.partials(a, out)];
    """
    checked = 0
    for name in names:
        op = ops.BY_NAME[name]
        for a, b in POINTS:
            args = (a, b) if op.arity == 2 else (a,)
            js_value, js_partials = browser.execute_script(script, name, a, b)
            try:
                value = op.value(*args)
            except (ValueError, ZeroDivisionError, OverflowError):
                assert js_value is None or not math.isfinite(js_value), (name, args, js_value)
                continue
            assert close(js_value, value), (name, args, js_value, value)
            for js, py in zip(js_partials, op.partials(*args, value)):
                if math.isnan(py):
                    assert js is None, (name, args, js)  # NaN comes back as null
                else:
                    assert js is not None and close(js, py), (name, args, js, py)
            checked += 1
    assert checked > 150


def test_a_few_hundred_nodes(browser, tmp_path):
    program = "\n".join(["h0 = x"] + [f"h{k} = tanh(w{k % 7}*h{k - 1} + {k % 5})"
                                        for k in range(1, 80)] + ["J = h79^2"])
    settings = ",".join(["x=0.3"] + [f"w{k}=0.{k + 1}" for k in range(7)])
    page = write_page(tmp_path, program, settings, "big.html")
    browser.get(page.as_uri())
    nodes = len(browser.find_elements(By.CSS_SELECTOR, ".node"))
    assert nodes > 300
    browser.find_element(By.ID, "last").click()
    expected = grad_json(program, settings)
    out = len(expected["nodes"]) - 1
    assert browser.find_element(By.ID, f"g-{out}").text == "1"
    adjoints = browser.execute_script("return window.cgdiffView.adjoints()")
    for i, node in enumerate(expected["nodes"]):
        if node["op"] != "const":
            assert close(adjoints[i], node["grad"])
