// KaTeX parity check, run by tests/katex_parity.rs: renders every span listed in the input
// file with KaTeX from node_modules (PACKAGE: `katex`, the version the katex crate bundles, or
// `katex-0.18.5`, the one katex-rs ports) and checks that the built page holds exactly that
// HTML. Input: JSON lines, first `{"macros": {...}}`, then `{"page": file, "tex": TeX,
// "display": bool}`. Prints the counts as JSON and the first differences (with the position
// where the two HTML strings part); exits 1 on a difference. sitegen repairs KaTeX's invalid
// MathML (bug #3721) by wrapping an operator name and its function application in `<mrow>`:
// a span whose page form equals KaTeX's once `<mrow>` tags are dropped counts as the same (and
// as `mathml_repaired`); `<mrow>` only occurs in MathML, so the visual HTML is still compared
// byte for byte.
'use strict';
const fs = require('fs');
const path = require('path');
const [, , root, input, pkg = 'katex'] = process.argv;
const katex = require(path.join(root, 'node_modules', pkg));
const lines = fs.readFileSync(input, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
const macros = lines.shift().macros;
const pages = new Map();
let same = 0;
let mathmlRepaired = 0;
const noMrow = (html) => html.replace(/<\/?mrow>/g, '');
const noMrowPages = new Map();
let sameUpToAttributeOrder = 0;
const different = [];
// `<tag b="1" a="2">` → `<tag a="2" b="1">`: katex-rs writes some MathML attributes in another
// order than KaTeX, which changes bytes but not meaning.
const sortAttributes = (html) =>
  html.replace(/<([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"]*")+)(\s*\/?)>/g, (_, tag, attrs, end) => {
    const list = attrs.match(/[\w:-]+="[^"]*"/g).sort();
    return `<${tag} ${list.join(' ')}${end}>`;
  });
const spanAt = (text, katexHtml) => {
  // The occurrence of the span's opening that agrees longest with KaTeX's HTML.
  const head = katexHtml.slice(0, 40);
  let best = { at: -1, len: -1 };
  for (let at = text.indexOf(head); at >= 0; at = text.indexOf(head, at + 1)) {
    let i = 0;
    while (i < katexHtml.length && text[at + i] === katexHtml[i]) i += 1;
    if (i > best.len) best = { at, len: i };
  }
  return best;
};
for (const { page, tex, display } of lines) {
  if (!pages.has(page)) pages.set(page, fs.readFileSync(page, 'utf8'));
  const html = katex.renderToString(tex, {
    displayMode: display,
    output: 'htmlAndMathml',
    throwOnError: true,
    macros: { ...macros },
  });
  if (pages.get(page).includes(html)) {
    same += 1;
    continue;
  }
  if (!noMrowPages.has(page)) noMrowPages.set(page, noMrow(pages.get(page)));
  if (noMrowPages.get(page).includes(noMrow(html))) {
    same += 1;
    mathmlRepaired += 1;
    continue;
  }
  // The span on the page is the one whose attribute-sorted form equals KaTeX's, if any.
  const text = pages.get(page);
  const sorted = sortAttributes(html);
  const sortedPage = sortAttributes(text);
  if (sortedPage.includes(sorted)) sameUpToAttributeOrder += 1;
  else different.push({ page, tex, display, katex: html });
}
console.log(JSON.stringify({
  katex: katex.version,
  spans: lines.length,
  same,
  mathml_repaired: mathmlRepaired,
  same_up_to_attribute_order: sameUpToAttributeOrder,
  different: different.length,
}));
for (const d of different.slice(0, 20)) {
  const text = pages.get(d.page);
  const best = spanAt(text, d.katex);
  const i = Math.max(best.len, 0);
  console.error(JSON.stringify({
    page: path.basename(path.dirname(d.page)),
    tex: d.tex,
    display: d.display,
    katex_from: d.katex.slice(i, i + 100),
    page_from: best.at >= 0 ? text.slice(best.at + i, best.at + i + 100) : null,
  }));
}
process.exit(different.length || sameUpToAttributeOrder ? 1 : 0);
