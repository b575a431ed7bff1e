// Parse Mermaid files with Mermaid's own parser (tests/test_picture.py uses it
// when CGDIFF_MERMAID_DIR names a directory where `npm install mermaid jsdom`
// was run; the test copies this script there so the imports resolve).
//   node check_mermaid.mjs FILE.mmd ...   → "FILE ok" or "FILE FAIL reason"; exit 1 on a failure
import { JSDOM } from "jsdom";
import fs from "fs";
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window; globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
for (const f of process.argv.slice(2)) {
  const text = fs.readFileSync(f, "utf8");
  try { const r = await mermaid.parse(text); console.log(f, "ok", JSON.stringify(r)); }
  catch (e) { console.log(f, "FAIL", e.message); process.exitCode = 1; }
}
