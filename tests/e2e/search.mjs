// Browser checks of a site built with `--base-url https://example.github.io/reading-list/`:
// search finds the GMMN paper, the filter panel offers the four filters and they narrow the
// results, nothing is downloaded before the reader starts a search, every paper is two clicks from home without JavaScript, no console errors,
// no axe violations. Dev tooling, not run by `cargo test`; see README ("Browser checks").
//
//   node search.mjs SITE_DIR [--query "moment matching"] [--expect generative-moment-matching-networks]
//
// SITE_DIR is the build output; it is served under /reading-list/ by a small server here.
// `--expect ""` accepts any paper among the results (for a query on a generated corpus). The
// files the query downloads are listed with their size as sent (gzip for text, as GitHub Pages
// serves it), summed by kind; E2E_MAX_QUERY_KB=300 makes a larger total a failure.
import http from "node:http";
import zlib from "node:zlib";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const args = process.argv.slice(2);
const site = path.resolve(args[0] ?? "public");
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const query = opt("--query", "moment matching");
const expect = opt("--expect", "generative-moment-matching-networks");
const prefix = "/reading-list/";
const failures = [];
const fail = (msg) => { failures.push(msg); console.log(`FAIL ${msg}`); };
const ok = (msg) => console.log(`ok   ${msg}`);

const types = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
  ".json": "application/json", ".svg": "image/svg+xml", ".xml": "application/xml",
  ".woff2": "font/woff2" };
// Every response body as sent: what a query costs is read here, bytes over the wire.
const sent = [];
const server = http.createServer((req, res) => {
  const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const end = res.end.bind(res);
  res.end = (body) => { sent.push({ url, bytes: body ? body.length : 0 }); return end(body); };
  if (!url.startsWith(prefix)) { res.writeHead(404); res.end(); return; }
  let file = path.join(site, url.slice(prefix.length));
  if (!file.startsWith(site)) { res.writeHead(403); res.end(); return; }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
  if (!fs.existsSync(file)) { res.writeHead(404); res.end(fs.readFileSync(path.join(site, "404.html"))); return; }
  const type = types[path.extname(file)] ?? "application/octet-stream";
  // Like GitHub Pages: text is sent gzip-compressed to browsers that accept it.
  if (type !== "application/octet-stream" && /gzip/.test(req.headers["accept-encoding"] ?? "")) {
    res.writeHead(200, { "content-type": type, "content-encoding": "gzip" });
    res.end(zlib.gzipSync(fs.readFileSync(file)));
    return;
  }
  res.writeHead(200, { "content-type": type });
  res.end(fs.readFileSync(file));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;
const home = `${origin}${prefix}`;

// Prints the files of `log` (as sent: gzip for text) and their sum by kind; returns the total.
function tally(what, log) {
  const kinds = {};
  for (const r of log) {
    console.log(`info   ${(r.bytes / 1024).toFixed(1).padStart(7)} KB ${r.url}`);
    const kind = r.url.match(/\/pagefind\/(fragment|index|filter)\//)?.[1]
      ?? (/\.pf_meta$/.test(r.url) ? "pf_meta" : /wasm/.test(r.url) ? "wasm" : "js and other");
    kinds[kind] = (kinds[kind] ?? 0) + r.bytes;
  }
  for (const [kind, bytes] of Object.entries(kinds)) console.log(`info   ${(bytes / 1024).toFixed(1).padStart(7)} KB ${kind}`);
  const total = log.reduce((n, r) => n + r.bytes, 0);
  console.log(`info files downloaded for ${what} (as sent, gzip for text): ${log.length}, ${(total / 1024).toFixed(1)} KB`);
  return total;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function axe(page, label) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document));
  if (result.violations.length === 0) ok(`axe: no violations on ${label}`);
  for (const v of result.violations) {
    fail(`axe on ${label}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join("; ")}`);
  }
}

// With JavaScript: search, filters, downloads, console, axe.
{
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => {
    const external = m.text().includes("ERR_NAME_NOT_RESOLVED") || m.text().includes("ERR_INTERNET_DISCONNECTED");
    if (m.type() === "error" && !external) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  // This machine has no network: resources a summary embeds from elsewhere cannot load. They
  // are listed, not counted as the site's errors.
  const external = [];
  page.on("requestfailed", (r) => {
    const line = `${r.url()} (${r.failure()?.errorText})`;
    (r.url().startsWith(origin) ? errors : external).push(`request failed: ${line}`);
  });
  await page.goto(home, { waitUntil: "networkidle" });
  const early = sent.filter((r) => r.url.includes("/pagefind/"));
  early.length === 0 ? ok("nothing of the search index is downloaded before the reader starts")
    : fail(`downloaded before any search: ${early.map((r) => r.url).join(", ")}`);
  await axe(page, "the home page");

  // From here on, what the reader's first query costs (focusing the box loads the library).
  const mark = sent.length;
  // Keyboard: Tab reaches the search box.
  let reached = false;
  for (let i = 0; i < 20 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.id === "search-input");
  }
  reached ? ok("the search box is reachable with Tab") : fail("Tab never reached the search box");
  await page.keyboard.type(query);
  const typed = Date.now();
  const link = `#site-search-ui a[href*="papers/${expect}"]`;
  try {
    await page.waitForSelector(link, { timeout: 1000 });
    ok(`"${query}" shows a link to ${expect || "a paper"} ${Date.now() - typed} ms after typing`);
  } catch {
    fail(`"${query}" showed no link to ${expect || "a paper"} within a second`);
  }
  const href = await page.getAttribute(link, "href").catch(() => null);
  const wanted = new RegExp(`^${prefix}papers/${expect || "[^/]+"}/$`);
  wanted.test(href ?? "") ? ok(`the result links to the paper under the sub-path: ${href}`)
    : fail(`the result links to ${href}, not ${prefix}papers/${expect || "…"}/`);
  await page.waitForLoadState("networkidle");
  const query_bytes = tally("the query", sent.slice(mark));
  await axe(page, "the home page with search results");

  // The filters: offered once a search started, downloaded when the reader opens them.
  const mark2 = sent.length;
  const status = await page.textContent(".search-status");
  await page.click(".search-filters summary");
  await page.waitForSelector(".search-filter legend", { timeout: 5000 }).catch(() => null);
  const filters = (await page.$$eval(".search-filter legend",
    (els) => els.map((e) => e.textContent.trim().toLowerCase()))).join(" ");
  for (const f of ["author", "keyword", "venue", "year"]) {
    filters.includes(f) ? ok(`filter "${f}" offered`) : fail(`no "${f}" filter in the search UI (saw: ${filters})`);
  }
  await page.waitForLoadState("networkidle");
  tally("opening the filters", sent.slice(mark2));
  await page.locator(".search-filter input[type=checkbox]").first().check().catch(() => null);
  await page.waitForFunction((s) => document.querySelector(".search-status").textContent !== s, status,
    { timeout: 5000 }).then(() => ok("ticking a filter value narrows the results"),
    () => fail("ticking a filter value changed nothing"));
  await axe(page, "the home page with the filters open");
  const paper = href ? origin + href : `${home}papers/${expect}/`;
  await page.goto(paper, { waitUntil: "networkidle" });
  await axe(page, `the paper page ${paper.slice(home.length)}`);
  errors.length === 0 ? ok("no console errors") : fail(`console errors: ${errors.join(" | ")}`);
  external.forEach((e) => console.log(`info external, not checked here: ${e}`));
  if (process.env.E2E_MAX_QUERY_KB && query_bytes / 1024 > Number(process.env.E2E_MAX_QUERY_KB)) {
    fail(`a query downloaded ${(query_bytes / 1024).toFixed(1)} KB`);
  }
  await context.close();
}

// Without JavaScript: no box, every paper within two clicks of home.
{
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(home);
  (await page.isVisible("#site-search")) ? fail("the search box shows without JavaScript")
    : ok("the search box is hidden without JavaScript");
  const linksOf = async () => page.$$eval("a[href]", (as) => as.map((a) => a.href));
  const reached = new Set(await linksOf());
  for (const url of [...reached].filter((u) => u.includes(`${prefix}years/`))) {
    await page.goto(url);
    (await linksOf()).forEach((u) => reached.add(u));
  }
  const sitemap = fs.readFileSync(path.join(site, "sitemap.xml"), "utf8");
  const papers = [...sitemap.matchAll(/<loc>[^<]*?(\/reading-list\/papers\/[^<]+)<\/loc>/g)].map((m) => origin + m[1]);
  const missing = papers.filter((p) => !reached.has(p));
  missing.length === 0 ? ok(`all ${papers.length} papers are two clicks from home without JavaScript`)
    : fail(`not reachable in two clicks without JavaScript: ${missing.join(", ")}`);
  await context.close();
}

await browser.close();
server.close();
console.log(failures.length ? `${failures.length} failure(s)` : "all browser checks passed");
process.exit(failures.length ? 1 : 0);
