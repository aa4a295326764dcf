// Save-to-visible latency of `sitegen serve`, measured in a real browser: serves a copy of a site
// (in /dev/shm when it exists), opens one paper's page in headless Chromium, then several times
// appends a unique sentence to that paper's file (t0: just before the write) and waits until the
// open tab's DOM holds the sentence (t1: after the live reload). Prints every run, the median, and
// the server's own log of each rebuild. Dev tooling, not run by `cargo test`; see README
// ("Speed"). Needs `npm install` in tests/e2e (playwright-core).
//
//   node reload.mjs SITE_DIR [--runs 7] [--paper content/papers/x.md] [--pause 2000]
//                            [--sitegen target/release/sitegen] [--timings]
//
// --pause is the writer's think time between saves, which lets the search index (rebuilt in the
// background after each reload) finish, as it would between real edits.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const source = path.resolve(args[0] ?? ".");
const runs = Number(opt("--runs", "7"));
const pause = Number(opt("--pause", "2000"));
const sitegen = path.resolve(opt("--sitegen", "target/release/sitegen"));

// A copy, so the measured site is never edited.
const base = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
const root = fs.mkdtempSync(path.join(base, "sitegen-reload-"));
for (const name of ["sitegen.toml", "content", "templates", "static"]) {
  const from = path.join(source, name);
  if (fs.existsSync(from)) fs.cpSync(from, path.join(root, name), { recursive: true });
}
// KaTeX's stylesheet and fonts as `npm ci` installs them (from the site, else from the current
// folder): without them pages link a CDN, and a browser with no network waits for it on every
// reload, which would be measured instead of sitegen.
const modules = [source, process.cwd()].map((d) => path.join(d, "node_modules"))
  .find((d) => fs.existsSync(path.join(d, "katex")));
if (modules) fs.symlinkSync(modules, path.join(root, "node_modules"));
const paperFile = path.join(root, opt("--paper", firstPaper(root)));
const slug = path.basename(paperFile, ".md");

function firstPaper(dir) {
  const papers = fs.readdirSync(path.join(dir, "content/papers"))
    .filter((f) => f.endsWith(".md")).sort();
  return path.join("content/papers", papers[0]);
}

// The server, and its log lines as they come.
const log = [];
// --timings: the server logs each rebuild's stages too.
const serveArgs = ["serve", "--root", root, "--port", "0"];
if (args.includes("--timings")) serveArgs.push("--timings");
const server = spawn(sitegen, serveArgs, {
  stdio: ["ignore", "pipe", "pipe"],
});
const url = await new Promise((resolve, reject) => {
  let buffered = "";
  const onData = (chunk) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop();
    for (const line of lines) {
      log.push(line);
      const m = line.match(/^serving (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    }
  };
  server.stdout.setEncoding("utf8").on("data", onData);
  server.stderr.setEncoding("utf8").on("data", (c) => log.push(...c.trimEnd().split("\n")));
  server.on("exit", (code) => reject(new Error(`sitegen serve exited (${code}):\n${log.join("\n")}`)));
});
const built = () => log.filter((l) => /^built |^build failed|^search index|^stages: /.test(l));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    // Nothing leaves the machine: a stylesheet from a CDN (KaTeX's, when it is not installed)
    // fails at once instead of waiting on a network there is not (a real browser has it cached).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
});
const page = await browser.newPage();
const pageUrl = new URL(`papers/${slug}/`, url).href;
// When the reload event reached the tab and the page was asked for again, for the breakdown.
const marks = {};
const cdp = await page.context().newCDPSession(page);
await cdp.send("Network.enable");
cdp.on("Network.eventSourceMessageReceived", (e) => {
  if (e.eventName === "reload") marks.event ??= performance.timeOrigin + performance.now();
});
page.on("request", (r) => {
  if (r.url() === pageUrl) marks.request ??= performance.timeOrigin + performance.now();
});

// Opens the page and waits until its live-reload stream is connected (the server subscribes the
// stream before it answers).
async function openPage() {
  const connected = page.waitForResponse((r) => r.url().endsWith("/__sitegen/events"));
  const resp = await page.goto(pageUrl);
  if (resp.status() !== 200) throw new Error(`${pageUrl}: ${resp.status()}`);
  await connected;
}

// The tab itself notes when it first shows the probe sentence: at the next animation frame after
// its DOM holds it (the frame that paints it), as wall-clock time. Installed in every document
// the tab loads, so it works for a swapped body and for a full reload alike; the probe and the
// time live in sessionStorage, which a reload keeps. The tab reports it on its console, so the
// script waits on an event instead of polling the page (polling took CPU from the server being
// measured, on a 2-core machine).
await page.addInitScript(() => {
  const check = () => {
    const probe = sessionStorage.getItem("probe");
    if (!probe || sessionStorage.getItem("seen") || !document.body?.textContent.includes(probe)) return;
    requestAnimationFrame(() => {
      if (!sessionStorage.getItem("seen")) {
        const at = String(performance.timeOrigin + performance.now());
        sessionStorage.setItem("seen", at);
        console.debug(`sitegen-probe-seen ${at}`);
      }
    });
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
});
const now = () => performance.timeOrigin + performance.now();
// The tab's note, as it reports it (a full reload reports it from the new document).
function seenAt() {
  return page.waitForEvent("console", {
    predicate: (m) => m.text().startsWith("sitegen-probe-seen "),
    timeout: 30000,
  }).then((m) => Number(m.text().split(" ")[1]));
}
await openPage();
console.log(`site: ${source} (copy: ${root}), page: ${pageUrl}`);
console.log(`server start: ${built().join("; ")}`);
// The browser's own share, for comparison: the same page reloaded with nothing rebuilt.
const floor = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  await page.reload();
  await page.waitForFunction(() => new Promise((r) => requestAnimationFrame(() => r(true))));
  floor.push(performance.now() - t0);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`plain reload -> painted (no rebuild): median ${median(floor).toFixed(1)} ms; ` +
  `runs ${floor.map((t) => t.toFixed(1)).join(", ")} ms`);
const times = [];
for (let i = 0; i < runs; i++) {
  await new Promise((r) => setTimeout(r, pause));
  const seen = built().length;
  const sentence = `Reload probe ${i} ${process.hrtime.bigint()}.`;
  await page.evaluate((p) => { sessionStorage.removeItem("seen"); sessionStorage.setItem("probe", p); },
    sentence);
  for (const k of Object.keys(marks)) delete marks[k];
  const seenNote = seenAt();
  const t0 = now();
  fs.appendFileSync(paperFile, `\n${sentence}\n`);
  const ms = (await seenNote) - t0;
  times.push(ms);
  const at = (k) => (marks[k] === undefined ? "?" : (marks[k] - t0).toFixed(1));
  console.log(`run ${i + 1}: ${ms.toFixed(1)} ms (reload event at ${at("event")}, page ` +
    `requested at ${at("request")}); ` +
    `server: ${built().slice(seen).join("; ")}`);
}
console.log(`save -> visible: median ${median(times).toFixed(1)} ms; ` +
  `runs ${times.map((t) => t.toFixed(1)).join(", ")} ms; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);

await browser.close();
server.kill("SIGINT");
await new Promise((r) => server.on("exit", r));
fs.rmSync(root, { recursive: true, force: true });
