// axe-core (WCAG 2.1 A and AA) on one page of every route pattern of the demo (more with
// RODTRAD_BROWSER_PER_PATTERN), anonymously and as every demo role: a breadth-first crawl over
// same-origin links, the error state of every form type, and the 404/403 pages. A page whose markup
// kinds (tags, classes, types, roles, aria attributes; not text or row counts) were all checked
// already on the same route pattern, by this or an earlier role, is not checked again. Also a
// keyboard pass (Tab order, visible focus, skip link) on one instance of every route pattern.
// New pages join by being linked from an existing one.
//
// RODTRAD_A11Y_SHARD=i/n checks only every n-th role from the i-th: scripts/test crawls half the
// roles on SQLite and the other half on PostgreSQL at the same time, since the markup is the same.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from './lib/server.mjs';
import { appAndBrowser, newPage, login, demoEmail, withArtifacts } from './lib/browser.mjs';
import { axeViolations, formatViolation, crawl, formErrorStates, formKeys, getFormStates, keyboardProblems, markupKinds, routePattern } from './lib/a11y.mjs';

const ALL_ROLES = ['anonymous', 'admin', 'kommunedirektor', 'styring', 'direktor', 'leder', 'avdelingsleder', 'ansatt', 'politiker', 'revisor', 'hr'];
// RODTRAD_BROWSER_ROLES=anonymous,leder narrows the run while working on a page.
const [SHARD, SHARDS] = (process.env.RODTRAD_A11Y_SHARD || '0/1').split('/').map(Number);
const ROLES = (process.env.RODTRAD_BROWSER_ROLES ? process.env.RODTRAD_BROWSER_ROLES.split(',') : ALL_ROLES).filter(
  (_, i) => i % SHARDS === SHARD,
);
// Pages no link leads to: not found, forbidden for most roles, a missing record.
const PROBES = ['/no-such-page', '/users', '/audit', '/plans/999999', '/org/999999', '/elements/999999'];
const PER_PATTERN = Number(process.env.RODTRAD_BROWSER_PER_PATTERN || 1);
const CAP = Number(process.env.RODTRAD_BROWSER_PAGE_CAP || 400);
// The keyboard pass runs once per route pattern and backend, as these roles.
const KEYBOARD_ROLES = new Set(['anonymous', 'styring', 'leder']);

for (const backend of backends()) {
  describe(`accessibility on ${backend}`, () => {
    const env = appAndBrowser(backend);
    const totals = { pages: 0, covered: 0, violations: 0 };
    after(() => {
      console.log(
        `# axe on ${backend} as ${ROLES.join(', ')}: ${totals.pages} pages checked, ${totals.covered} more whose markup was checked already, ${totals.violations} violations`,
      );
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
    // The markup kinds axe has checked (all roles of this run): "{pattern} main …" and "frame …".
    const kindsChecked = new Set();
    // Form types whose states were checked, or whose page is queued for it (all roles).
    const formsDone = new Set();
    const formsClaimed = new Set();
    for (const role of ROLES) {
      test(`axe and keyboard as ${role}`, async (t) => {
        const page = await newPage(env.browser, env.app.base);
        await withArtifacts(page, `a11y-${backend}-${role}`, async () => {
          if (role !== 'anonymous') await login(page, demoEmail(role));
          const violations = [];
          const keyboard = [];
          const checked = [];
          let covered = 0;
          const formPages = [];
          const check = async (p, label) => {
            // The frame around <main> is the same on every page: its kinds count on any pattern.
            const pattern = routePattern(new URL(p.url()));
            const keys = (await markupKinds(p)).map((k) => (k.startsWith('frame ') ? k : `${pattern} ${k}`));
            if (keys.every((k) => kindsChecked.has(k))) {
              covered += 1;
              return;
            }
            checked.push(label);
            violations.push(...(await axeViolations(p)));
            for (const k of keys) kindsChecked.add(k);
          };
          const visit = async (p) => {
            const pattern = routePattern(new URL(p.url()));
            if (KEYBOARD_ROLES.has(role) && !keyboardDone.has(pattern)) {
              keyboardDone.add(pattern);
              for (const problem of await keyboardProblems(p)) keyboard.push(`${problem} at ${p.url()}`);
            }
            await check(p, p.url());
            // Come back for its forms only if it has a form type no page has been queued for.
            const fresh = (await formKeys(p)).filter((k) => !formsClaimed.has(k));
            if (fresh.length) {
              for (const k of fresh) formsClaimed.add(k);
              formPages.push(p.url());
            }
          };
          // Besides links: a search result list (the org search is a GET form, not a link).
          const starts = role === 'anonymous' ? ['/', '/login', '/public/3203/plans', '/public/3203/reports'] : ['/', '/profile', '/org?q=skole'];
          const visited = await crawl(page, env.app.base, [...starts, ...PROBES], { cap: CAP, perPattern: PER_PATTERN, visit });
          // Forms: revisit the pages with new form types; submit each POST form type empty once
          // (its error state) and each GET form type once as it stands (its result state).
          for (const url of formPages) {
            await page.goto(url);
            await formErrorStates(page, env.app.base, formsDone, check);
            if (page.url() !== url) await page.goto(url);
            await getFormStates(page, formsDone, check);
          }
          totals.pages += checked.length;
          totals.covered += covered;
          totals.violations += violations.length;
          const patterns = new Set(visited.map((v) => v.pattern)).size;
          t.diagnostic(`${role} on ${backend} route patterns: ${[...new Set(visited.map((v) => v.pattern))].join(' ')}`);
          t.diagnostic(`${role} on ${backend}: ${checked.length} pages checked, ${covered} covered by earlier checks (${visited.length} crawled over ${patterns} route patterns, ${formPages.length} revisited for their forms), ${violations.length} violations`);
          assert.ok(visited.length > (role === 'anonymous' ? 2 : 5), `the crawl found too few pages: ${visited.map((v) => v.url).join(', ')}`);
          assert.deepEqual(violations.map(formatViolation), [], `axe found ${violations.length} WCAG 2.1 A/AA violations`);
          assert.deepEqual(keyboard, [], 'keyboard problems');
        });
        await page.context().close();
      });
    }
  });
}
