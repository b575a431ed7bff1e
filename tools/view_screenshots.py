"""Screenshots of the lecture's page at a few steps, for docs/ and the README:
`python tools/view_screenshots.py` (needs Debian's chromium and
chromium-driver, and selenium: `pip install '.[test]'`).

It writes docs/view-seed.html (the page itself, from `cgdiff view`) and
docs/view-forward.png, docs/view-reverse.png, docs/view-done.png.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PROGRAM = ROOT / "examples" / "seed-steps.cg"
SETTINGS = "w=2,x=-2,b=8,y=2"

#: Chromium as the tests start it: headless, and quiet on a machine with no network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--hide-scrollbars", "--window-size=1400,900"]


def chromium(profile: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main() -> None:
    page = DOCS / "view-seed.html"
    subprocess.run([sys.executable, "-m", "cgdiff", "view", "-f", str(PROGRAM), "--set", SETTINGS,
                    "--layout", "dot", "--title", "The lecture's graph", "-o", str(page)],
                   check=True)
    with tempfile.TemporaryDirectory() as profile:
        driver = chromium(profile)
        try:
            driver.get(page.as_uri())
            # c = w*x in the forward pass; y in the reverse pass; the end,
            # with the node c clicked.
            steps = {"forward": 5, "reverse": 20}
            for name, step in steps.items():
                driver.execute_script(f"window.cgdiffView.go({step})")
                driver.save_screenshot(str(DOCS / f"view-{name}.png"))
            driver.find_element(By.ID, "last").click()
            driver.find_element(By.CSS_SELECTOR, "#n-4 .label").click()
            driver.save_screenshot(str(DOCS / "view-done.png"))
        finally:
            driver.quit()
    print("wrote", page, "and", ", ".join(f"docs/view-{n}.png" for n in ("forward", "reverse", "done")))


if __name__ == "__main__":
    main()
