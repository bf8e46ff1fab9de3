// axe-core and keyboard checks on one page, and the same-origin crawl that finds the pages.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Runs axe (WCAG 2.1 A + AA) on the loaded page; returns one entry per failing element. */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) stays on.
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    WCAG_TAGS,
  );
  const url = page.url();
  return result.violations.flatMap((v) =>
    v.nodes.map((n) => ({
      rule: v.id,
      impact: n.impact || v.impact,
      selector: n.target.join(' '),
      url,
      summary: n.failureSummary?.split('\n').slice(0, 2).join(' ') ?? v.help,
    })),
  );
}

/**
 * The kinds of markup on the loaded page: each element as its parent's tag, its own tag, classes,
 * type, role, the names of its aria-* attributes and whether it has a label, an inline style or an
 * id. Text, links and counts are left out, so two roles that see the same template with other rows
 * give the same set, and a role that sees another button or form gives a new kind. Kinds inside
 * <main> start with "main ", those of the frame around it (header, menu, footer) with "frame ".
 */
export async function markupKinds(page) {
  return page.evaluate(() => {
    const kinds = new Set();
    for (const el of document.querySelectorAll('body, body *')) {
      const attrs = el.getAttributeNames();
      const aria = attrs.filter((a) => a.startsWith('aria-')).sort().join(',');
      const flags = ['id', 'style', 'for', 'tabindex', 'alt', 'title', 'scope', 'headers', 'disabled', 'required']
        .filter((a) => attrs.includes(a))
        .join(',');
      kinds.add(
        `${el.closest('main') ? 'main' : 'frame'} ${el.parentElement?.tagName ?? ''}>${el.tagName}.${[...el.classList].sort().join('.')}` +
          `[${el.getAttribute('type') ?? ''}|${el.getAttribute('role') ?? ''}|${aria}|${flags}]`,
      );
    }
    return [...kinds];
  });
}

export function formatViolation(v) {
  return `${v.rule} (${v.impact}) ${v.selector} at ${v.url}: ${v.summary}`;
}

/** Links, paths and extensions the crawl never follows: state changes and downloads. */
const SKIP = [/^\/logout/, /^\/api\//, /^\/static\//, /^\/healthz/, /\.(csv|xlsx|json|png|svg|css|js)$/];

/** Route pattern of a URL: numbers become {n}, the query keeps only its sorted parameter names. */
export function routePattern(url) {
  const path = url.pathname.replace(/\/\d+(?=\/|$)/g, '/{n}');
  const keys = [...new Set([...url.searchParams.keys()])].sort();
  return keys.length ? `${path}?${keys.join('&')}` : path;
}

export function normalise(href, base) {
  let url;
  try {
    url = new URL(href, base);
  } catch {
    return null;
  }
  if (url.origin !== new URL(base).origin) return null;
  if (SKIP.some((re) => re.test(url.pathname))) return null;
  url.hash = '';
  url.searchParams.sort();
  return url;
}

/**
 * Breadth-first crawl over same-origin <a href> links from `starts`; `visit(page, url)` is called on
 * every HTML page, at most `perPattern` pages per route pattern and `cap` pages in all.
 */
export async function crawl(page, base, starts, { cap = 400, perPattern = 3, visit }) {
  const queue = starts.map((s) => normalise(s, base)).filter(Boolean);
  const seen = new Set(queue.map((u) => u.toString()));
  const perRoute = new Map();
  const visited = [];
  while (queue.length && visited.length < cap) {
    const url = queue.shift();
    const pattern = routePattern(url);
    if ((perRoute.get(pattern) || 0) >= perPattern) continue;
    let response;
    try {
      response = await page.goto(url.toString(), { waitUntil: 'load' });
    } catch (e) {
      if (/Download is starting/.test(e.message)) continue;
      throw new Error(`${url}: ${e.message}`);
    }
    const type = response?.headers()['content-type'] || '';
    if (!type.startsWith('text/html')) continue;
    const landed = normalise(page.url(), base);
    // A redirect (e.g. to the login page) counts for the page it landed on.
    const landedPattern = landed ? routePattern(landed) : pattern;
    if (landedPattern !== pattern && (perRoute.get(landedPattern) || 0) >= perPattern) continue;
    perRoute.set(landedPattern, (perRoute.get(landedPattern) || 0) + 1);
    visited.push({ url: page.url(), status: response.status(), pattern: landedPattern });
    await visit(page, url);
    const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
    for (const href of hrefs) {
      const next = normalise(href, page.url());
      if (!next) continue;
      const key = next.toString();
      if (seen.has(key)) continue;
      seen.add(key);
      queue.push(next);
    }
  }
  return visited;
}

/**
 * The form types on the loaded page that `formErrorStates` and `getFormStates` would submit, as the
 * keys they record in their `done` set.
 */
export async function formKeys(page) {
  const origin = page.url();
  const forms = await page.$$eval('form', (fs) =>
    fs.map((f) => ({
      method: (f.getAttribute('method') || 'get').toLowerCase(),
      action: f.getAttribute('action') || '',
      required: [...f.querySelectorAll('input[required], textarea[required]')].filter(
        (el) => !['checkbox', 'radio', 'hidden'].includes(el.type),
      ).length,
    })),
  );
  const keys = [];
  for (const f of forms) {
    const action = normalise(f.action || origin, origin);
    if (!action) continue;
    if (f.method === 'post' && f.required > 0) keys.push(routePattern(action));
    if (f.method === 'get') keys.push(`GET ${routePattern(action)}`);
  }
  return keys;
}

/**
 * Submits each POST form with required text (or file) fields once per form type (its action's route
 * pattern), with those fields emptied and browser validation off, so the server's error state
 * is rendered. Returns the patterns it submitted. Nothing is written: the server refuses.
 */
export async function formErrorStates(page, base, done, visit) {
  const forms = await page.$$eval('form[method=post]', (fs) =>
    fs
      .map((f, i) => ({
        i,
        action: f.getAttribute('action') || '',
        required: [...f.querySelectorAll('input[required], textarea[required]')].filter(
          (el) => !['checkbox', 'radio', 'hidden'].includes(el.type),
        ).length,
      }))
      .filter((f) => f.required > 0),
  );
  const origin = page.url();
  for (const form of forms) {
    const action = normalise(form.action || origin, origin);
    if (!action) continue;
    const key = routePattern(action);
    if (done.has(key)) continue;
    done.add(key);
    if (page.url() !== origin) await page.goto(origin);
    await Promise.all([
      page.waitForEvent('load'),
      page.evaluate((i) => {
        const f = document.querySelectorAll('form[method=post]')[i];
        f.noValidate = true;
        for (const el of f.querySelectorAll('input[required], textarea[required]')) {
          if (!['checkbox', 'radio', 'hidden', 'file'].includes(el.type)) el.value = '';
        }
        f.submit();
      }, form.i),
    ]);
    await visit(page, `${key} (empty form)`);
  }
}

/**
 * Keyboard check of the loaded page: Tab from the top visits every visible interactive element,
 * each focused element has a visible focus indicator, and the first stop is a skip link to <main>.
 * Returns a list of problems (empty when fine).
 */
export async function keyboardProblems(page, maxTabs = 800) {
  const problems = [];
  const expected = await page.evaluate(() => {
    const sel = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
    let n = 0;
    // A group of radio buttons is one Tab stop (arrow keys move inside it): its buttons share an id.
    const groups = new Map();
    for (const el of document.querySelectorAll(sel)) {
      if (el.closest('details:not([open])') && el.tagName !== 'SUMMARY') continue;
      if (el.tagName === 'SUMMARY' && el.parentElement.closest('details:not([open])')) continue;
      if (el.classList.contains('ds-skip-link') || el.checkVisibility({ visibilityProperty: true })) {
        if (el.matches('input[type=radio][name]')) {
          const key = `${el.form ? [...document.forms].indexOf(el.form) : -1}/${el.name}`;
          if (!groups.has(key)) groups.set(key, String(n++));
          el.dataset.kbId = groups.get(key);
          continue;
        }
        el.dataset.kbId = String(n++);
      }
    }
    return n;
  });
  // Called on a freshly loaded page: focus starts at the document, the first Tab goes to the first stop.
  const reached = new Set();
  let first = null;
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      // A focus ring on the element, or (Designsystemet checkboxes and radios) on its field.
      const ring = (node) => {
        const s = getComputedStyle(node);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== 'none');
      };
      const field = el.matches('input[type=checkbox], input[type=radio]') ? el.closest('.ds-field') : null;
      const r = el.getBoundingClientRect();
      const skip = el.classList.contains('ds-skip-link');
      return {
        id: el.dataset.kbId ?? null,
        desc: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.getAttribute('href') ? `[href="${el.getAttribute('href')}"]` : ''} "${(el.textContent || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 40)}"`,
        // The skip link is hidden until focused; appearing is its focus indicator.
        visible: ring(el) || (field && ring(field)) || (skip && r.width > 1 && r.height > 1),
        inView: r.width > 0 && r.height > 0,
        skip: skip ? el.getAttribute('href') : null,
      };
    });
    if (!info) break;
    if (i === 0) first = info;
    if (info.id !== null && reached.has(info.id)) break;
    if (info.id !== null) reached.add(info.id);
    if (!info.visible) problems.push(`no visible focus indicator on ${info.desc}`);
    if (!info.inView) problems.push(`focused element has no size on screen: ${info.desc}`);
  }
  if (!first || first.skip !== '#main') problems.push(`first Tab stop is not the skip link to #main (got ${first?.desc ?? 'nothing'})`);
  if (reached.size < expected) {
    const missing = await page.evaluate(
      (ids) =>
        [...document.querySelectorAll('[data-kb-id]')]
          .filter((el) => !ids.includes(el.dataset.kbId))
          .slice(0, 5)
          .map((el) => el.outerHTML.slice(0, 120)),
      [...reached],
    );
    problems.push(`${expected - reached.size} of ${expected} interactive elements not reached by Tab, e.g. ${missing.join(' | ')}`);
  }
  return problems;
}

/**
 * Submits each GET form (filters, searches, version comparisons) once per form type with the
 * values it starts with, so the result state is checked too.
 */
export async function getFormStates(page, done, visit) {
  const origin = page.url();
  const forms = await page.$$eval('form[method=get]', (fs) => fs.map((f, i) => ({ i, action: f.getAttribute('action') || '' })));
  for (const form of forms) {
    const action = normalise(form.action || origin, origin);
    if (!action) continue;
    const key = `GET ${routePattern(action)}`;
    if (done.has(key)) continue;
    done.add(key);
    if (page.url() !== origin) await page.goto(origin);
    // A plain submit(): htmx does not intercept it, so the whole result page loads.
    await Promise.all([page.waitForEvent('load'), page.evaluate((i) => document.querySelectorAll('form[method=get]')[i].submit(), form.i)]);
    await visit(page, `${key} (submitted)`);
  }
}
