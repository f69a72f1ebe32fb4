// Opens a PDF with pdf.js (Mozilla's reader) and prints what it saw, as
// JSON: the page count, each page's text, the outline's titles, and each
// page's annotations (subtype, rectangle, contents). Used by the Rust
// tests: `node tests/pdfjs/open.mjs FILE.pdf`.
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const path = process.argv[2];
const fs = await import("node:fs");
const data = new Uint8Array(fs.readFileSync(path));
const doc = await getDocument({ data, verbosity: 0, useSystemFonts: false }).promise;
const pages = [];
for (let n = 1; n <= doc.numPages; n++) {
  const page = await doc.getPage(n);
  const content = await page.getTextContent();
  const annotations = (await page.getAnnotations()).map((a) => ({
    subtype: a.subtype,
    rect: a.rect,
    contents: a.contentsObj ? a.contentsObj.str : (a.contents ?? null),
    title: a.titleObj ? a.titleObj.str : null,
    id: a.id,
  }));
  pages.push({
    text: content.items.map((i) => i.str).join(""),
    annotations,
  });
}
const outline = ((await doc.getOutline()) ?? []).map((o) => o.title);
console.log(JSON.stringify({ pages: doc.numPages, outline, pages_: pages }));
