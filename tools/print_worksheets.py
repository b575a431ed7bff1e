"""Print the 2-2-1 tanh network's worksheet and key to PDF, as a teacher
would: the HTML sheets with Chromium's print-to-PDF, the LaTeX sheets with
pdflatex (when installed). `python tools/print_worksheets.py [OUT_DIR]`
(default docs/print/). Needs Graphviz, Debian's chromium and chromium-driver,
and selenium (`pip install '.[test]'`).
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "examples" / "tanh-221.cg"

#: Chromium as the tests start it: headless, quiet on a machine with no network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                            options=options)


#: The smallest graph label and the body text, in CSS pixels as printed.
MEASURE = """
  const body = parseFloat(getComputedStyle(document.body).fontSize);
  let smallest = Infinity, count = 0;
  for (const svg of document.querySelectorAll("div.graph svg")) {
    const scale = svg.getScreenCTM().a;
    for (const text of svg.querySelectorAll("text")) {
      const size = parseFloat(text.getAttribute("font-size")) * scale;
      smallest = Math.min(smallest, size);
      count += 1;
    }
  }
  return [body, smallest, count];
"""


def print_html(driver, page: Path, pdf: Path) -> tuple[float, float, int]:
    """Load ``page``, measure its labels in print media, print it to ``pdf``."""
    driver.get(page.as_uri())
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    measured = driver.execute_script(MEASURE)
    data = driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True,
                                                      "printBackground": True})["data"]
    pdf.write_bytes(base64.b64decode(data))
    return tuple(measured)


def print_latex(tex: Path) -> Path | None:
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        return None
    subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name],
                   cwd=tex.parent, check=True, capture_output=True, timeout=120)
    return tex.with_suffix(".pdf")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for answers in (False, True):
        suffix = "-key" if answers else ""
        for fmt, ext in (("html", "html"), ("latex", "tex")):
            args = [sys.executable, "-m", "cgdiff", "worksheet", "-f", str(PROGRAM),
                    "--format", fmt, "-o", str(out / f"tanh-221{suffix}.{ext}")]
            subprocess.run(args + (["--answers"] if answers else []), check=True)
    with tempfile.TemporaryDirectory() as profile:
        driver = chromium(profile)
        try:
            for suffix in ("", "-key"):
                body, smallest, count = print_html(driver, out / f"tanh-221{suffix}.html",
                                                   out / f"tanh-221{suffix}-html.pdf")
                print(f"tanh-221{suffix}.html: {count} graph labels, smallest {smallest:.1f}px, "
                      f"body text {body:.1f}px")
        finally:
            driver.quit()
    for suffix in ("", "-key"):
        pdf = print_latex(out / f"tanh-221{suffix}.tex")
        print(f"tanh-221{suffix}.tex: " + (str(pdf) if pdf else "pdflatex not installed"))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "print")
