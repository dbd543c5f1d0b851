#!/usr/bin/env node
// pamphlet's browser checks: Debian's chromium driven by playwright-core, against pages that a
// real `pamphlet serve` answers. Used by tests/browser.rs and scripts/screenshots.
//
//   node tests/browser/browser.mjs pages URL PATH...          console, CSP, requests, axe, layout
//   node tests/browser/browser.mjs layout URL PATH...         the column, the measure, the fonts drawn
//   node tests/browser/browser.mjs live-reload URL PATH MARKDOWN CSS   live reload on real edits
//   node tests/browser/browser.mjs screenshots URL DIR NAME=PATH...    PNGs at 390 and 1280 px
//   node tests/browser/browser.mjs glyphs URL PATH...         the look of every code character
//   node tests/browser/browser.mjs image-bytes URL PATH       image bytes fetched, layout shift, sharpness
//   node tests/browser/browser.mjs footnotes URL PATH         sidenotes and footnotes, and their links
//
// Prints one JSON report on stdout (`pages`, `layout`, `live-reload`, `glyphs`, `image-bytes`,
// `footnotes`) or the files it wrote
// (`screenshots`); judging the report is the caller's job. Exits 2 when it cannot run at all
// (no chromium, no node_modules), with the reason on stderr.
//
// Chromium: PAMPHLET_CHROMIUM, else /usr/bin/chromium. It is started headless with a fresh
// profile and without any background networking, so every request it makes is the page's. It
// inherits this process's environment: FONTCONFIG_FILE chooses the fonts it may draw with.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const require = createRequire(path.join(REPO, 'package.json'));
const HINT = 'run the tests with `scripts/test`, which installs chromium (apt) and the npm tools (npm ci)';

function cannotRun(message) {
  process.stderr.write(`browser.mjs: ${message}; ${HINT}\n`);
  process.exit(2);
}

function load(name) {
  try {
    return require(name);
  } catch (e) {
    return cannotRun(`cannot load the npm package ${name} from ${REPO}/node_modules (${e.code || e.message})`);
  }
}

const CHROMIUM = process.env.PAMPHLET_CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCHEMES = ['light', 'dark'];
const WIDTHS = [390, 1280];

/// A browser with a fresh profile (and so an empty cache); `close()` ends it and removes the
/// profile. `options` are added to playwright's context options (a viewport, a
/// deviceScaleFactor).
async function launch(options = {}) {
  if (!fs.existsSync(CHROMIUM)) cannotRun(`no chromium at ${CHROMIUM} (Debian package chromium)`);
  const { chromium } = load('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pamphlet-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      env: process.env,
      viewport: { width: 1280, height: 800 },
      ...options,
    });
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    return cannotRun(`chromium (${CHROMIUM}) did not start: ${e.message.split('\n')[0]}`);
  }
  for (const page of context.pages()) await page.close();
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// Opens `url` and returns its response once the page has gone quiet: nothing is loading (a
/// lazy image, the live-reload stream's first answer), so every request it makes, every report
/// it files and every error it throws has been seen.
async function visit(page, url) {
  const response = await page.goto(url, { waitUntil: 'load' });
  await page.waitForLoadState('networkidle');
  return response;
}

/// Installed before any of the page's own code runs: keeps every CSP violation the page reports.
function recordViolations() {
  window.__pamphletViolations = [];
  window.addEventListener('securitypolicyviolation', (e) => {
    window.__pamphletViolations.push({
      directive: e.effectiveDirective || e.violatedDirective,
      blocked: e.blockedURI,
      sample: e.sample,
      source: e.sourceFile ? `${e.sourceFile}:${e.lineNumber}` : '',
    });
  });
}

/// Watches one page: console messages, page errors, requests to other hosts, failed requests
/// (the network's failures and the server's error answers alike).
function watch(page, base) {
  const origin = new URL(base).origin;
  const seen = { console: [], errors: [], offsite: [], failed: [], navigations: 0, pending: new Set() };
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      seen.console.push({ type: msg.type(), text: msg.text(), url: msg.location().url || '' });
    }
  });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.includes('/__pamphlet/events')) seen.pending.add(r);
    if (!url.startsWith('data:') && new URL(url).origin !== origin) seen.offsite.push(url);
  });
  page.on('requestfinished', (r) => seen.pending.delete(r));
  page.on('requestfailed', (r) => {
    seen.pending.delete(r);
    // The live-reload stream is cut when the page goes away; that is not the page's fault.
    if (!r.url().includes('/__pamphlet/events')) seen.failed.push(`${r.url()}: ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    // A 404 is no network failure, so `requestfailed` never sees a missing image. The page's own
    // status is the caller's to judge: the 404 page is meant to answer 404.
    const own = r.request().isNavigationRequest() && r.frame() === page.mainFrame();
    if (r.status() >= 400 && !own) seen.failed.push(`${r.url()}: HTTP ${r.status()}`);
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) seen.navigations += 1;
  });
  return seen;
}

/// The paragraphs whose lines make the measure.
const MEASURED = '.content > p';

/// Structure and layout, measured in the page as a reader's browser lays it out.
function inspect(measured) {
  const problems = [];
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')];
  const h1s = headings.filter((h) => h.tagName === 'H1').length;
  if (h1s !== 1) problems.push(`${h1s} h1 elements (want exactly one)`);
  let level = 0;
  for (const h of headings) {
    const next = Number(h.tagName[1]);
    if (next > level + 1) problems.push(`heading level skipped: h${level || '-'} then h${next} "${h.textContent.trim()}"`);
    level = next;
  }
  for (const [selector, what] of [
    ['header', 'a banner (header)'],
    ['nav', 'a navigation landmark'],
    ['main#main', 'main#main'],
    ['footer.site-footer', 'a contentinfo footer'],
    ['a.skip-link[href="#main"]', 'a skip link to #main'],
  ]) {
    if (!document.querySelector(selector)) problems.push(`no ${what}`);
  }
  if (document.querySelector('body [style], head [style]')) problems.push('an inline style attribute');
  if (document.querySelectorAll('style').length) problems.push('a <style> element');
  const inlineScripts = [...document.querySelectorAll('script:not([src])')].filter(
    (s) => s.type !== 'application/ld+json',
  );
  if (inlineScripts.length) problems.push('an inline script');
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push(`an image without alt: ${img.src}`);
    if (img.getBoundingClientRect().right > document.documentElement.clientWidth + 1) {
      problems.push(`an image wider than the page: ${img.src}`);
    }
  }
  // Formulas and diagrams are drawn by the browser itself: each must take up room, and a
  // fraction must be stacked, which only a MathML layout does.
  const drawn = { formulas: 0, fractions: 0, diagrams: 0 };
  const named = (e) => e.textContent.replace(/\s+/g, ' ').trim().slice(0, 40);
  for (const [selector, what, key] of [
    ['math', 'a formula', 'formulas'],
    ['.diagram svg', 'a diagram', 'diagrams'],
  ]) {
    for (const e of document.querySelectorAll(selector)) {
      const box = e.getBoundingClientRect();
      if (box.width < 1 || box.height < 1) problems.push(`${what} drawn with no size: ${named(e)}`);
      else drawn[key] += 1;
    }
  }
  for (const fraction of document.querySelectorAll('math mfrac')) {
    const [numerator, denominator] = fraction.children;
    if (!numerator || !denominator) continue;
    if (numerator.getBoundingClientRect().bottom > denominator.getBoundingClientRect().top + 1) {
      problems.push(`a fraction not stacked: ${named(fraction)}`);
    } else drawn.fractions += 1;
  }
  const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
  if (!csp || !/default-src 'self'/.test(csp.content)) problems.push("no CSP meta with default-src 'self'");
  // Nothing may widen the page: wide code and tables scroll inside themselves.
  const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  if (overflow > 0) {
    const wide = [...document.querySelectorAll('main *')]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .slice(0, 3)
      .map((e) => e.tagName.toLowerCase() + (e.className ? `.${e.className}` : ''));
    problems.push(`the page scrolls sideways by ${overflow}px (${wide.join(', ')})`);
  }
  // The measure: characters per full line of the essay's paragraphs.
  let chars = 0;
  let lines = 0;
  for (const p of document.querySelectorAll(measured)) {
    const count = Math.round(p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight));
    if (count >= 3) {
      chars += p.textContent.replace(/\s+/g, ' ').trim().length;
      lines += count - 0.5; // the last line is on average half full
    }
  }
  const style = getComputedStyle(document.body);
  return {
    problems,
    drawn,
    measure: lines ? Math.round(chars / lines) : null,
    fontSize: style.fontSize,
    lineHeight: style.lineHeight,
    fontFamily: style.fontFamily,
  };
}

/// The fonts chromium really drew `selector`'s text in, as glyph counts by family. The computed
/// `font-family` is only the list asked for; this is what fontconfig gave.
async function fontsDrawn(page, selector) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector });
    const glyphs = {};
    for (const nodeId of nodeIds) {
      const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      for (const font of fonts) glyphs[font.familyName] = (glyphs[font.familyName] || 0) + font.glyphCount;
    }
    return glyphs;
  } finally {
    await cdp.detach();
  }
}

/// The page's column: the frame's edges, the body's side padding and the first paragraph's width.
function column(measured) {
  const edges = (selector) => {
    const box = document.querySelector(selector)?.getBoundingClientRect();
    return box ? { left: box.left, right: box.right } : null;
  };
  const body = getComputedStyle(document.body);
  return {
    // The viewport less any scrollbar: the width a reader's text can have.
    viewport: document.documentElement.clientWidth,
    padding: [parseFloat(body.paddingLeft), parseFloat(body.paddingRight)],
    paragraph: document.querySelector(measured)?.getBoundingClientRect().width ?? null,
    header: edges('.site-header'),
    main: edges('main'),
    footer: edges('.site-footer'),
  };
}

/// `layout`: every path at each width, in whatever fonts FONTCONFIG_FILE leaves chromium.
async function layout(base, paths) {
  const browser = await launch();
  const results = [];
  try {
    for (const width of WIDTHS) {
      for (const rel of paths) {
        const page = await browser.context.newPage();
        await page.setViewportSize({ width, height: 800 });
        const response = await visit(page, new URL(rel, base).href);
        const { measure, fontFamily } = await page.evaluate(inspect, MEASURED);
        results.push({
          path: rel,
          width,
          status: response ? response.status() : 0,
          measure,
          fontFamily,
          fonts: await fontsDrawn(page, MEASURED),
          ...(await page.evaluate(column, MEASURED)),
        });
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
  return { chromium: CHROMIUM, results };
}

/// Contrast of every highlighted token against its code block's background (WCAG 2 formula).
function codeContrast() {
  const rgb = (value) => value.match(/[\d.]+/g).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => {
    const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const worst = {};
  let tokens = 0;
  for (const pre of document.querySelectorAll('pre')) {
    const preBg = getComputedStyle(pre).backgroundColor;
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const element = node.parentElement;
      // Against what is behind the token: a highlighted line's background, or the block's.
      let behind = preBg;
      for (let e = element; e && e !== pre; e = e.parentElement) {
        const b = getComputedStyle(e).backgroundColor;
        if (b !== 'rgba(0, 0, 0, 0)') {
          behind = b;
          break;
        }
      }
      const bg = rgb(behind);
      const color = rgb(getComputedStyle(element).color);
      const value = Math.round(ratio(color, bg) * 100) / 100;
      const kind = element.className || 'plain';
      tokens += 1;
      if (!(kind in worst) || value < worst[kind].ratio) {
        worst[kind] = { ratio: value, text: node.textContent.trim().slice(0, 30) };
      }
    }
  }
  const low = Object.entries(worst)
    .filter(([, v]) => v.ratio < 4.5)
    .map(([kind, v]) => `${kind}: ${v.ratio} ("${v.text}")`);
  const lowest = Math.min(...Object.values(worst).map((v) => v.ratio));
  return { tokens, low, lowest: Number.isFinite(lowest) ? lowest : null };
}

/// `pages`: every path, in light and dark, at a phone's and a desktop's width.
async function pages(base, paths) {
  load('axe-core');
  const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const browser = await launch();
  const results = [];
  try {
    for (const scheme of SCHEMES) {
      for (const width of WIDTHS) {
        for (const rel of paths) {
          const page = await browser.context.newPage();
          await page.setViewportSize({ width, height: 800 });
          await page.emulateMedia({ colorScheme: scheme });
          await page.addInitScript(recordViolations);
          const seen = watch(page, base);
          const url = new URL(rel, base).href;
          const response = await visit(page, url);
          const violations = await page.evaluate(() => window.__pamphletViolations);
          const layout = await page.evaluate(inspect, MEASURED);
          const code = await page.evaluate(codeContrast);
          const fonts = await fontsDrawn(page, MEASURED);
          // axe last, so its own work cannot disturb what the page reported by itself.
          await page.evaluate(axeSource);
          const axe = await page.evaluate(() =>
            window.axe.run(document, {
              runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
              // Chromium makes scrollable regions keyboard-focusable by itself (as Firefox
              // does), and Lighthouse leaves this rule out for the same reason.
              rules: { 'scrollable-region-focusable': { enabled: false } },
              resultTypes: ['violations'],
            }),
          );
          const status = response ? response.status() : 0;
          // A missing page is answered with 404.html and status 404, which chromium reports
          // as a failed resource: that one message is the expected answer, not a problem.
          const console = seen.console.filter(
            (m) => !(status === 404 && m.url === url && /status of 404/.test(m.text)),
          );
          results.push({
            path: rel,
            scheme,
            width,
            status,
            title: await page.title(),
            console,
            pageErrors: seen.errors,
            cspViolations: violations,
            offsiteRequests: seen.offsite,
            failedRequests: seen.failed,
            axe: axe.violations.map((v) => ({
              id: v.id,
              impact: v.impact,
              help: v.help,
              nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
            })),
            ...layout,
            fonts,
            code,
          });
          await page.close();
        }
      }
    }
  } finally {
    await browser.close();
  }
  return { chromium: CHROMIUM, results };
}

/// Runs `check` in the page until it returns something truthy, across reloads, or gives up.
/// Waits (up to `ms`) until every request the page made has ended, the live-reload stream
/// aside: a favicon still loading after `load` is cut short by the reload an edit causes, which
/// is the test's doing, not the page's.
async function quiet(seen, ms = 10000) {
  const deadline = Date.now() + ms;
  while (seen.pending.size > 0 && Date.now() < deadline) await sleep(20);
}

async function until(page, check, arg, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const value = await page.evaluate(check, arg);
      if (value) return value;
    } catch {
      // The page is between documents (a reload): ask the next one.
    }
    await sleep(100);
  }
  return null;
}

function streamOpened(page) {
  return page.waitForResponse((r) => r.url().includes('/__pamphlet/events'), { timeout: 15000 });
}

/// `live-reload`: edits the page's markdown, then the theme's stylesheet, and watches the page.
async function liveReload(base, rel, markdown, css) {
  const browser = await launch();
  const report = { markdown: {}, css: {} };
  try {
    const page = await browser.context.newPage();
    await page.addInitScript(recordViolations);
    const seen = watch(page, base);
    const url = new URL(rel, base).href;
    let opened = streamOpened(page);
    await page.goto(url, { waitUntil: 'load' });
    await opened;
    await quiet(seen);

    // 1. A content edit: the new text appears, by a reload the page did itself.
    const text = `Live reload proof ${Date.now()}`;
    await page.evaluate(() => {
      window.__pamphletMarker = 'before the markdown edit';
    });
    const navigationsBefore = seen.navigations;
    opened = streamOpened(page);
    const started = Date.now();
    fs.appendFileSync(markdown, `\n\n${text}\n`);
    const appeared = await until(page, (t) => document.body.innerText.includes(t), text, 20000);
    report.markdown = {
      text,
      appeared: Boolean(appeared),
      ms: Date.now() - started,
      reloads: seen.navigations - navigationsBefore,
      markerSurvived: await page.evaluate(() => window.__pamphletMarker !== undefined).catch(() => null),
    };
    await opened.catch(() => null);
    await quiet(seen);

    // 2. A stylesheet edit: the new rules apply with no reload (the marker survives).
    await page.evaluate(() => {
      window.__pamphletMarker = 'before the css edit';
    });
    const hrefBefore = await page.evaluate(() => document.querySelector('link[rel=stylesheet]').href);
    const navigationsBeforeCss = seen.navigations;
    const cssStarted = Date.now();
    fs.appendFileSync(css, '\nbody { border-top: 7px solid rgb(1, 2, 3); }\n');
    const applied = await until(
      page,
      () => getComputedStyle(document.body).borderTopColor === 'rgb(1, 2, 3)',
      null,
      20000,
    );
    const after = await page.evaluate(() => ({
      marker: window.__pamphletMarker,
      links: [...document.querySelectorAll('link[rel=stylesheet]')].map((l) => ({
        href: l.href,
        integrity: l.integrity,
      })),
    }));
    report.css = {
      applied: Boolean(applied),
      ms: Date.now() - cssStarted,
      reloads: seen.navigations - navigationsBeforeCss,
      marker: after.marker,
      hrefBefore,
      links: after.links,
    };
    report.cspViolations = await page.evaluate(() => window.__pamphletViolations);
    report.console = seen.console;
    report.pageErrors = seen.errors;
    report.offsiteRequests = seen.offsite;
    report.failedRequests = seen.failed;
  } finally {
    await browser.close();
  }
  return report;
}

/// Scrolls through the page so that `loading="lazy"` images load, as they would for a reader.
async function loadLazyImages(page) {
  await page.evaluate(async () => {
    for (let y = 0; y < document.documentElement.scrollHeight; y += window.innerHeight / 2) {
      window.scrollTo(0, y);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    window.scrollTo(0, 0);
    await Promise.all([...document.images].map((img) => img.decode().catch(() => null)));
  });
}

/// `screenshots`: full-page PNGs of each page at each width, light and dark.
async function screenshots(base, dir, named) {
  fs.mkdirSync(dir, { recursive: true });
  const browser = await launch();
  const written = [];
  try {
    for (const spec of named) {
      const [name, rel] = spec.split('=');
      for (const width of WIDTHS) {
        for (const scheme of SCHEMES) {
          const page = await browser.context.newPage();
          await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
          await page.emulateMedia({ colorScheme: scheme });
          await page.goto(new URL(rel, base).href, { waitUntil: 'load' });
          await loadLazyImages(page);
          const layout = await page.evaluate(inspect, MEASURED);
          const file = path.join(dir, `${name}-${width}-${scheme}.png`);
          await page.screenshot({ path: file, fullPage: true });
          written.push({ file, measure: layout.measure, problems: layout.problems });
          await page.close();
        }
      }
      // And once as printed, to check the print stylesheet.
      const page = await browser.context.newPage();
      await page.goto(new URL(rel, base).href, { waitUntil: 'load' });
      const pdf = path.join(dir, `${name}-print.pdf`);
      await page.pdf({ path: pdf, format: 'A4' });
      written.push({ file: pdf });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return written;
}

/// The look of every character of every code block, as runs of characters that look alike.
function codeGlyphs() {
  const blocks = [];
  for (const code of document.querySelectorAll('pre code')) {
    const runs = [];
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const style = getComputedStyle(node.parentElement);
      // Backgrounds and decorations are not inherited, yet an ancestor's are seen behind and
      // under its descendants' text: what is seen is the nearest background and every line.
      let background = 'rgba(0, 0, 0, 0)';
      const lines = new Set();
      for (let e = node.parentElement; e && e !== code.parentElement.parentElement; e = e.parentElement) {
        // A highlighted line's background is the block's annotation, not the token's look.
        if (e.classList.contains('ln')) continue;
        const s = getComputedStyle(e);
        if (background === 'rgba(0, 0, 0, 0)') background = s.backgroundColor;
        for (const line of s.textDecorationLine.split(' ')) if (line !== 'none') lines.add(line);
      }
      const decoration = [...lines].sort().join(' ') || 'none';
      const look = [style.color, style.fontStyle, style.fontWeight, decoration, background].join(' | ');
      const last = runs[runs.length - 1];
      if (last && last.look === look) last.text += node.textContent;
      else runs.push({ look, text: node.textContent });
    }
    blocks.push(runs);
  }
  return blocks;
}

/// `glyphs`: the look of every character of the code blocks of each path, light and dark.
async function glyphs(base, paths) {
  const browser = await launch();
  const results = [];
  try {
    for (const scheme of SCHEMES) {
      for (const rel of paths) {
        const page = await browser.context.newPage();
        await page.emulateMedia({ colorScheme: scheme });
        await visit(page, new URL(rel, base).href);
        results.push({ path: rel, scheme, blocks: await page.evaluate(codeGlyphs) });
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
  return { results };
}

/// Installed before any of the page's own code runs: keeps every layout shift the page has.
function recordLayoutShifts() {
  window.__pamphletShifts = [];
  window.__pamphletShiftsSupported = PerformanceObserver.supportedEntryTypes.includes('layout-shift');
  if (!window.__pamphletShiftsSupported) return;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      window.__pamphletShifts.push({
        value: e.value,
        hadRecentInput: e.hadRecentInput,
        at: Math.round(e.startTime),
        sources: (e.sources || []).map((s) => {
          const n = s.node;
          const name = n && n.nodeType === 1 ? n.tagName.toLowerCase() + (n.getAttribute('src') ? ` ${n.getAttribute('src')}` : '') : String(n && n.nodeName);
          return name;
        }),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
}

/// Every image of the page's main as the browser shows it: where it came from (`currentSrc`),
/// every candidate it could have chosen, with its width descriptor and type, and its size on
/// screen in CSS pixels.
function shownImages() {
  const absolute = (u) => new URL(u, document.baseURI).href;
  const parse = (srcset, type) =>
    (srcset || '')
      .split(/,\s+/)
      .filter(Boolean)
      .map((c) => {
        const [url, descriptor] = c.trim().split(/\s+/);
        return { url: absolute(url), w: descriptor && descriptor.endsWith('w') ? Number(descriptor.slice(0, -1)) : null, type };
      });
  return [...document.querySelectorAll('main img')].map((img) => {
    const picture = img.parentElement && img.parentElement.tagName === 'PICTURE' ? img.parentElement : null;
    const sources = picture ? [...picture.querySelectorAll('source')] : [];
    const candidates = [
      ...sources.flatMap((s) => parse(s.getAttribute('srcset'), s.type)),
      ...parse(img.getAttribute('srcset'), 'img'),
    ];
    const box = img.getBoundingClientRect();
    return {
      alt: img.alt,
      src: img.getAttribute('src'),
      srcUrl: absolute(img.getAttribute('src')),
      currentSrc: img.currentSrc,
      complete: img.complete,
      naturalWidth: img.naturalWidth,
      naturalHeight: img.naturalHeight,
      widthAttr: img.getAttribute('width'),
      heightAttr: img.getAttribute('height'),
      loading: img.getAttribute('loading'),
      fetchpriority: img.getAttribute('fetchpriority'),
      inPicture: Boolean(picture),
      sourceTypes: sources.map((s) => s.type),
      sizes: img.getAttribute('sizes'),
      candidates,
      shown: { width: box.width, height: box.height },
    };
  });
}

/// `image-bytes`: the page at a phone's width (390 px at 3 device pixels a CSS pixel) and a
/// desktop's (1280 px at 1), each in a fresh browser with an empty cache, scrolled to the end
/// so that every lazy image loads: every image response with its body's bytes, every layout
/// shift, and every image as shown.
async function imageBytes(base, rel) {
  const results = [];
  for (const [width, height, dsf] of [
    [390, 844, 3],
    [1280, 800, 1],
  ]) {
    const browser = await launch({ viewport: { width, height }, deviceScaleFactor: dsf });
    try {
      const page = await browser.context.newPage();
      await page.addInitScript(recordLayoutShifts);
      const seen = watch(page, base);
      const transfers = [];
      page.on('requestfinished', (request) => {
        if (request.resourceType() !== 'image') return;
        transfers.push(
          (async () => {
            const response = await request.response();
            const body = response ? await response.body().catch(() => null) : null;
            const sizes = await request.sizes().catch(() => null);
            return {
              url: request.url(),
              status: response ? response.status() : 0,
              mime: response ? response.headers()['content-type'] || '' : '',
              bodyBytes: body ? body.length : null,
              encodedBytes: sizes ? sizes.responseBodySize : null,
            };
          })(),
        );
      });
      const response = await visit(page, new URL(rel, base).href);
      await loadLazyImages(page);
      await page.waitForLoadState('networkidle');
      // Whatever the scroll set loading has landed: every image complete, or a timeout.
      await page
        .waitForFunction(() => [...document.images].every((img) => img.complete), null, { timeout: 20000 })
        .catch(() => null);
      await sleep(300);
      results.push({
        width,
        dsf,
        status: response ? response.status() : 0,
        dpr: await page.evaluate(() => window.devicePixelRatio),
        images: await page.evaluate(shownImages),
        transfers: await Promise.all(transfers),
        layoutShiftSupported: await page.evaluate(() => window.__pamphletShiftsSupported),
        layoutShifts: await page.evaluate(() => window.__pamphletShifts),
        console: seen.console,
        pageErrors: seen.errors,
        offsiteRequests: seen.offsite,
        failedRequests: seen.failed,
      });
      await page.close();
    } finally {
      await browser.close();
    }
  }
  return { chromium: CHROMIUM, results };
}

/// Where the footnote references, sidenotes and listed notes are, and whether each is shown.
function notesSeen() {
  const box = (e) => {
    const r = e.getBoundingClientRect();
    const shown = getComputedStyle(e).display !== 'none' && r.width > 0 && r.height > 0;
    return { shown, top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right };
  };
  const inView = (e) => {
    const r = e.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight;
  };
  const paragraphs = [...document.querySelectorAll('.content p')].map(box).filter((b) => b.shown);
  return {
    columnRight: Math.max(...paragraphs.map((b) => b.right)),
    references: [...document.querySelectorAll('.footnote-ref a')].map((a) => ({ href: a.getAttribute('href'), id: a.id, ...box(a), inView: inView(a) })),
    sidenotes: [...document.querySelectorAll('.sidenote')].map((e) => ({ number: e.querySelector('.sidenote-number')?.textContent, ...box(e) })),
    listed: [...document.querySelectorAll('.footnotes li')].map((e) => ({ id: e.id, ...box(e), inView: inView(e) })),
    scrollWidth: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}

/// The notes of `rel` at each width and in print, and at the widest, what following the first
/// reference and then its way back shows.
async function footnotes(base, rel) {
  const browser = await launch();
  const results = [];
  try {
    for (const [width, media] of [[390, 'screen'], [1280, 'screen'], [1280, 'print']]) {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width, height: 800 });
      await page.emulateMedia({ media });
      await visit(page, new URL(rel, base).href);
      const result = { width, media, seen: await page.evaluate(notesSeen) };
      if (media === 'screen') {
        await page.click('.footnote-ref a');
        await sleep(100);
        result.followed = { hash: await page.evaluate(() => location.hash), seen: await page.evaluate(notesSeen) };
        await page.click(':target .footnote-back');
        await sleep(100);
        result.back = { hash: await page.evaluate(() => location.hash), seen: await page.evaluate(notesSeen) };
      }
      results.push(result);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return { chromium: CHROMIUM, results };
}

const [command, ...args] = process.argv.slice(2);
let report;
switch (command) {
  case 'pages':
    report = await pages(args[0], args.slice(1));
    break;
  case 'layout':
    report = await layout(args[0], args.slice(1));
    break;
  case 'live-reload':
    report = await liveReload(...args);
    break;
  case 'screenshots':
    report = await screenshots(args[0], args[1], args.slice(2));
    break;
  case 'glyphs':
    report = await glyphs(args[0], args.slice(1));
    break;
  case 'image-bytes':
    report = await imageBytes(args[0], args[1]);
    break;
  case 'footnotes':
    report = await footnotes(args[0], args[1]);
    break;
  default:
    process.stderr.write('usage: browser.mjs pages|layout|live-reload|screenshots|glyphs|image-bytes|footnotes ...\n');
    process.exit(2);
}
process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
