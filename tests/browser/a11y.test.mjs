// axe-core (WCAG 2.1 A and AA) on one page of every route pattern of the demo (more with
// RODTRAD_BROWSER_PER_PATTERN), anonymously and as every demo role, on each backend: a breadth-first
// crawl over same-origin links, the error state of every form type, and the 404/403 pages. Also a keyboard pass (Tab order, visible focus, skip link) on one instance
// of every route pattern. New pages join by being linked from an existing one.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from './lib/server.mjs';
import { appAndBrowser, newPage, login, demoEmail, withArtifacts } from './lib/browser.mjs';
import { axeViolations, formatViolation, crawl, formErrorStates, getFormStates, keyboardProblems, routePattern } from './lib/a11y.mjs';

const ALL_ROLES = ['anonymous', 'admin', 'kommunedirektor', 'styring', 'direktor', 'leder', 'avdelingsleder', 'ansatt', 'politiker', 'revisor', 'hr'];
// RODTRAD_BROWSER_ROLES=anonymous,leder narrows the run while working on a page.
const ROLES = process.env.RODTRAD_BROWSER_ROLES ? process.env.RODTRAD_BROWSER_ROLES.split(',') : ALL_ROLES;
// Pages no link leads to: not found, forbidden for most roles, a missing record.
const PROBES = ['/no-such-page', '/users', '/audit', '/plans/999999', '/org/999999', '/elements/999999'];
const PER_PATTERN = Number(process.env.RODTRAD_BROWSER_PER_PATTERN || 1);
const CAP = Number(process.env.RODTRAD_BROWSER_PAGE_CAP || 400);
// The keyboard pass runs once per route pattern and backend, as these roles.
const KEYBOARD_ROLES = new Set(['anonymous', 'styring', 'leder']);

for (const backend of backends()) {
  describe(`accessibility on ${backend}`, () => {
    const env = appAndBrowser(backend);
    const totals = { pages: 0, violations: 0 };
    after(() => {
      console.log(`# axe on ${backend}: ${totals.pages} pages checked, ${totals.violations} violations`);
    });

    // The checks must be able to fail: known faults put into a real page are reported.
    test('axe and the keyboard pass report known faults', async () => {
      const page = await newPage(env.browser, env.app.base);
      await page.goto('/login');
      await page.evaluate(() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<img src="/static/app.css"><input id="unlabelled"><a href="/x" id="dup"></a><a href="/y" id="dup">y</a>');
        document.querySelector('.ds-skip-link').remove();
        const b = document.querySelector('main button');
        b.style.outline = 'none';
        b.style.boxShadow = 'none';
      });
      const rules = new Set((await axeViolations(page)).map((v) => v.rule));
      for (const rule of ['image-alt', 'label', 'link-name']) assert.ok(rules.has(rule), `axe reports ${rule}; got ${[...rules]}`);
      const problems = await keyboardProblems(page);
      assert.ok(problems.some((p) => p.includes('skip link')), problems.join('\n'));
      assert.ok(problems.some((p) => p.includes('no visible focus indicator on button')), problems.join('\n'));
      await page.context().close();
    });

    const keyboardDone = new Set();
    for (const role of ROLES) {
      test(`axe and keyboard as ${role}`, async (t) => {
        const page = await newPage(env.browser, env.app.base);
        await withArtifacts(page, `a11y-${backend}-${role}`, async () => {
          if (role !== 'anonymous') await login(page, demoEmail(role));
          const violations = [];
          const keyboard = [];
          const checked = [];
          const check = async (p, label) => {
            checked.push(label);
            violations.push(...(await axeViolations(p)));
          };
          const visit = async (p) => {
            const pattern = routePattern(new URL(p.url()));
            if (KEYBOARD_ROLES.has(role) && !keyboardDone.has(pattern)) {
              keyboardDone.add(pattern);
              for (const problem of await keyboardProblems(p)) keyboard.push(`${problem} at ${p.url()}`);
            }
            await check(p, p.url());
          };
          // Besides links: a search result list (the org search is a GET form, not a link).
          const starts = role === 'anonymous' ? ['/', '/login', '/public/3203/plans', '/public/3203/reports'] : ['/', '/profile', '/org?q=skole'];
          const visited = await crawl(page, env.app.base, [...starts, ...PROBES], { cap: CAP, perPattern: PER_PATTERN, visit });
          // Forms: revisit one page per pattern; submit each POST form type empty once (its error
          // state) and each GET form type once as it stands (its result state).
          const formsDone = new Set();
          const formPages = [...new Map(visited.map((v) => [v.pattern, v.url])).values()];
          for (const url of formPages) {
            await page.goto(url);
            await formErrorStates(page, env.app.base, formsDone, check);
            if (page.url() !== url) await page.goto(url);
            await getFormStates(page, formsDone, check);
          }
          totals.pages += checked.length;
          totals.violations += violations.length;
          const patterns = new Set(visited.map((v) => v.pattern)).size;
          t.diagnostic(`${role} on ${backend} route patterns: ${[...new Set(visited.map((v) => v.pattern))].join(' ')}`);
          t.diagnostic(`${role} on ${backend}: ${checked.length} pages checked (${visited.length} crawled over ${patterns} route patterns, ${formsDone.size} form states), ${violations.length} violations`);
          assert.ok(visited.length > (role === 'anonymous' ? 2 : 5), `the crawl found too few pages: ${visited.map((v) => v.url).join(', ')}`);
          assert.deepEqual(violations.map(formatViolation), [], `axe found ${violations.length} WCAG 2.1 A/AA violations`);
          assert.deepEqual(keyboard, [], 'keyboard problems');
        });
        await page.context().close();
      });
    }
  });
}
