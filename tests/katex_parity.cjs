// KaTeX parity check, run by tests/katex_parity.rs: renders every span listed in the input
// file with KaTeX from node_modules (the same version the katex crate bundles) and checks that
// the built page holds exactly that HTML. Input: JSON lines, first `{"macros": {...}}`, then
// `{"page": file, "tex": TeX, "display": bool}`. Prints the counts as JSON; exits 1 on a
// difference.
'use strict';
const fs = require('fs');
const path = require('path');
const [, , root, input] = process.argv;
const katex = require(path.join(root, 'node_modules', 'katex'));
const lines = fs.readFileSync(input, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
const macros = lines.shift().macros;
const pages = new Map();
let same = 0;
const different = [];
for (const { page, tex, display } of lines) {
  if (!pages.has(page)) pages.set(page, fs.readFileSync(page, 'utf8'));
  const html = katex.renderToString(tex, {
    displayMode: display,
    output: 'htmlAndMathml',
    throwOnError: true,
    macros: { ...macros },
  });
  if (pages.get(page).includes(html)) same += 1;
  else different.push({ page, tex, display });
}
console.log(JSON.stringify({ katex: katex.version, spans: lines.length, same, different: different.length }));
for (const d of different.slice(0, 20)) console.error(JSON.stringify(d));
process.exit(different.length ? 1 : 0);
