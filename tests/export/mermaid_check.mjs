// Parse Mermaid files with Mermaid itself and print what its flowchart
// database holds: {"file": {"type", "vertices": [...], "edges": [[a, b, text]]}}.
// Needs the `mermaid` and `jsdom` npm packages on NODE_PATH.
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.NODE_PATH.split(":")[0] + "/");
const { JSDOM } = require("jsdom");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import(require.resolve("mermaid"));
mermaid.initialize({ startOnLoad: false });

const out = {};
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, "utf8");
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db;
  const vertices = db.getVertices();
  const ids = vertices instanceof Map ? [...vertices.keys()] : Object.keys(vertices);
  out[file] = {
    type: diagram.type,
    vertices: ids,
    edges: db.getEdges().map((e) => [e.start, e.end, e.text]),
  };
}
process.stdout.write(JSON.stringify(out));
