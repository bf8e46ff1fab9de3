// Journeys a real user makes, each once with the mouse and once with the keyboard only, on each
// backend. Every (backend, driver) pair gets its own fresh demo instance, so the journeys that
// change data see the demo as it ships.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backends, repoRoot } from './lib/server.mjs';
import { appAndBrowser, newPage, withArtifacts, demoEmail, PASSWORD } from './lib/browser.mjs';
import { drivers, messages } from './lib/drive.mjs';

const nb = messages('nb');
const nn = messages('nn');
const en = messages('en');
const exact = (s) => ({ name: s, exact: true });

/** Logs in through the form with the given driver and checks the signed-in front page. */
async function signIn(d, page, role) {
  await page.goto('/login');
  await d.fill(page, page.locator('#f-email'), demoEmail(role));
  await d.fill(page, page.locator('#f-password'), PASSWORD);
  await d.click(page, page.locator('form[action="/login"] button[type=submit]'));
  assert.equal(new URL(page.url()).pathname, '/');
}

const nav = (page, key) => page.locator('nav.main-nav').getByRole('link', exact(nb[key]));

const journeys = {
  async 'log in'(d, page) {
    await signIn(d, page, 'leder');
    await assertText(page.locator('.user-name'), 'Oskar Edvardsen');
    await assertText(page.locator('nav.main-nav'), nb['nav-plans']);
  },

  async "find one's unit"(d, page) {
    await signIn(d, page, 'leder');
    await d.click(page, nav(page, 'nav-org'));
    await d.fill(page, page.locator('#f-q'), 'Bondi');
    // The search answers through htmx without a page load (and with one when JavaScript is off).
    await d.click(page, page.getByRole('button', exact(nb['org-search-submit'])), { nav: false });
    const hit = page.locator('#org-results').getByRole('link', exact('Bondi skole'));
    await hit.waitFor();
    await d.click(page, hit);
    assert.match(new URL(page.url()).pathname, /^\/org\/\d+$/);
    await assertText(page.locator('h1'), 'Bondi skole');
    await assertText(page.locator('main'), 'Oskar Edvardsen');
  },

  async 'create a measure with deadline and responsible person'(d, page) {
    await signIn(d, page, 'leder');
    await d.click(page, nav(page, 'nav-plans'));
    await d.click(page, page.locator('main').getByRole('link', exact(`Virksomhetsplan ${new Date().getFullYear()} – Bondi skole`)));
    const planPath = new URL(page.url()).pathname;
    // An adopted plan is frozen: the unit manager opens it for revision first.
    await d.click(page, page.getByRole('button', exact(nb['plan-move-to'].replace('{ $status }', nb['plan-status-under_revision']))));
    await assertText(page.locator('.facts'), nb['plan-status-under_revision']);
    const assignment = page.locator('li.goal', { has: page.locator('.ds-tag', { hasText: nb['element-assignment'] }) }).first();
    await d.click(page, assignment.locator('summary', { hasText: nb['element-add-under'] }), { nav: false });
    const form = assignment.locator('form');
    await d.select(page, form.locator('select[name=kind]'), nb['element-measure']);
    const text = `Nettverksmøte for foreldrekontakter ${d.name}`;
    await d.fill(page, form.locator('textarea[name=text]'), text);
    await d.click(page, form.getByRole('button', exact(nb['element-add'])));
    assert.equal(new URL(page.url()).pathname, planPath);
    await d.click(page, page.locator('.goal-tree').getByRole('link', exact(text)));
    assert.match(new URL(page.url()).pathname, /^\/elements\/\d+$/);
    await d.select(page, page.locator('#f-responsible_person_id'), 'Oskar Edvardsen (Bondi skole)');
    await d.date(page, page.locator('#f-deadline'), `${new Date().getFullYear()}-10-10`);
    await d.select(page, page.locator('#f-status'), nb['element-status-active']);
    await d.click(page, page.locator('form[action$="' + new URL(page.url()).pathname + '"]').getByRole('button', exact(nb.save)));
    await assertText(page.locator('.ds-alert[data-color=success]'), nb.saved);
    await page.goto(planPath);
    const row = page.locator('li.goal', { has: page.getByRole('link', exact(text)) });
    await assertText(row, `${nb['element-responsible']}: Oskar Edvardsen`);
    await assertText(row, `${nb['element-deadline']}: 10.10.${new Date().getFullYear()}`);
    await assertText(row, nb['element-status-active']);
  },

  async 'follow a red-thread break to its fix'(d, page) {
    await signIn(d, page, 'kommunedirektor');
    await d.click(page, nav(page, 'nav-thread'));
    const goal = 'Færre innbyggere opplever ensomhet';
    const breakRow = () => page.locator('#h-breaks ~ table tbody tr', { hasText: nb['break-no-indicator'] }).filter({ hasText: goal });
    assert.equal(await breakRow().count(), 1, 'the demo break "goal without indicator" is listed');
    // The break list links to the element's place in its plan, where it is fixed.
    await d.click(page, breakRow().getByRole('link').nth(1));
    const planUrl = new URL(page.url());
    assert.match(planUrl.pathname, /^\/plans\/\d+$/);
    await d.click(page, page.getByRole('button', exact(nb['plan-move-to'].replace('{ $status }', nb['plan-status-under_revision']))));
    const item = page.locator('li.goal', { has: page.locator('.goal__text').getByRole('link', exact(goal)) });
    await d.click(page, item.locator('summary', { hasText: nb['element-add-under'] }), { nav: false });
    await d.select(page, item.locator('select[name=kind]'), nb['element-indicator']);
    await d.fill(page, item.locator('textarea[name=text]'), `Andel som oppgir at de ofte er ensomme (${d.name})`);
    await d.click(page, item.getByRole('button', exact(nb['element-add'])));
    await d.click(page, nav(page, 'nav-thread'));
    assert.equal(await breakRow().count(), 0, 'the break is gone once the goal has an indicator');
    await assertText(page.locator('#thread-results'), goal);
  },

  async 'move a measure with no path to a goal under another assignment'(d, page) {
    await signIn(d, page, 'kommunedirektor');
    await d.click(page, nav(page, 'nav-thread'));
    const measure = 'Rekruttere frivillige leksehjelpere';
    const breakRow = () => page.locator('#h-breaks ~ table tbody tr', { hasText: nb['break-no-path'] }).filter({ hasText: measure });
    assert.equal(await breakRow().count(), 1, 'the demo break "no path to a goal" is listed');
    // The break links straight to the element's parent choice.
    await d.click(page, breakRow().getByRole('link', exact(measure)));
    const elementUrl = new URL(page.url());
    assert.match(elementUrl.pathname, /^\/elements\/\d+$/);
    // An adopted unit plan says so and offers to put it under revision (an earlier journey on this
    // instance may have done that already).
    const revise = page.locator('#readonly-notice').getByRole('button', exact(nb['plan-revise']));
    if ((await revise.count()) > 0) {
      await assertText(page.locator('#readonly-notice'), nb['plan-readonly-adopted']);
      await d.click(page, revise);
      await assertText(page.locator('.facts'), nb['plan-status-under_revision']);
      await page.goto(elementUrl.pathname);
    }
    const parent = page.locator('#f-parent_id');
    const options = await parent.evaluate((el) => [...el.options].map((o) => ({ value: o.value, selected: o.selected })));
    const target = options.find((o) => !o.selected && o.value !== '');
    assert.ok(target, 'another valid parent is offered');
    await d.select(page, parent, { value: target.value });
    await d.click(page, page.locator(`form[action$="${elementUrl.pathname}"]`).getByRole('button', exact(nb.save)));
    await assertText(page.locator('.ds-alert[data-color=success]'), nb.saved);
    await d.click(page, nav(page, 'nav-thread'));
    assert.equal(await breakRow().count(), 0, 'the break is gone once the measure sits under a live assignment');
  },

  async 'choose a plan owner by searching the organisation'(d, page) {
    await signIn(d, page, 'styring');
    await d.click(page, nav(page, 'nav-plans'));
    await d.click(page, page.locator('summary', { hasText: nb['plans-new'] }), { nav: false });
    const title = `Plan for Bondi skole (${d.name})`;
    await d.fill(page, page.locator('#f-title'), title);
    await d.fill(page, page.locator('#f-owner_unit_id-q'), 'bondi');
    // The search works without JavaScript: a GET that narrows the list and keeps what was typed.
    await d.click(page, page.getByRole('button', exact(nb['unit-search-submit'])));
    assert.equal(await page.locator('#f-title').inputValue(), title);
    const owner = page.locator('#f-owner_unit_id');
    const labels = await owner.evaluate((el) => [...el.options].filter((o) => o.value !== '').map((o) => o.label));
    assert.ok(labels.length > 0 && labels.every((l) => /bondi/i.test(l)), `only Bondi units: ${labels.join('; ')}`);
    assert.ok((await owner.locator('optgroup').count()) > 0, 'grouped by service area');
    const school = labels.find((l) => l.endsWith('Bondi skole'));
    assert.ok(school, `Bondi skole is offered: ${labels.join('; ')}`);
    await d.select(page, owner, school);
    await d.click(page, page.getByRole('button', exact(nb['plans-create'])));
    assert.match(new URL(page.url()).pathname, /^\/plans\/\d+$/);
    await assertText(page.locator('h1'), title);
    await assertText(page.locator('.facts'), 'Bondi skole');
  },

  async 'export a plan to XLSX'(d, page) {
    await signIn(d, page, 'styring');
    await d.click(page, nav(page, 'nav-plans'));
    await d.click(page, page.locator('main a[href^="/plans/"]', { hasText: 'Handlingsprogram' }).first());
    const responseSeen = page.waitForResponse((r) => r.url().endsWith('/export.xlsx'));
    const downloadSeen = page.waitForEvent('download');
    await d.click(page, page.getByRole('link', exact(nb['export-xlsx'])), { nav: false });
    const [response, download] = await Promise.all([responseSeen, downloadSeen]);
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.match(download.suggestedFilename(), /\.xlsx$/);
    const bytes = readFileSync(await download.path());
    assert.ok(bytes.length > 1000, `xlsx of ${bytes.length} bytes`);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'an XLSX file is a zip archive');
  },

  async 'switch language to nynorsk and English'(d, page) {
    await signIn(d, page, 'ansatt');
    for (const [code, m] of [['nn', nn], ['en', en], ['nb', nb]]) {
      await d.select(page, page.locator('#lang-select'), { value: code });
      await d.click(page, page.locator('form.lang-switch button[type=submit]'));
      assert.equal(await page.locator('html').getAttribute('lang'), code);
      await assertText(page.locator('nav.main-nav'), m['nav-thread']);
      await assertText(page.locator('form.lang-switch button'), m['lang-change']);
      await assertText(page.locator('.ds-skip-link'), m['skip-to-content']);
    }
    assert.notEqual(nn['nav-thread'], en['nav-thread']);
  },

  async 'import a statistics file and open the comparison chart'(d, page, t) {
    await signIn(d, page, 'styring');
    const probe = await page.request.get('/statistics/import', { maxRedirects: 0 });
    if (probe.status() === 404) {
      t.skip('/statistics/import answers 404: the statistics pages have not landed');
      return;
    }
    const file = join(repoRoot, 'crates', 'export', 'tests', 'data', 'jsonstat', 'ssb-v2-07459.json');
    assert.ok(existsSync(file), `the JSON-stat sample ${file} exists`);
    await d.click(page, nav(page, 'nav-statistics'));
    await d.click(page, page.locator('main a[href="/statistics/import"]').first());
    await d.file(page, page.locator('#f-file'), file);
    await d.click(page, page.getByRole('button', exact(nb['stat-preview'])));
    await d.click(page, page.getByRole('button', exact(nb['stat-import-confirm'])));
    assert.match(new URL(page.url()).pathname, /^\/statistics\/imports\/\d+$/);
    // A running import refreshes its page until it is done.
    await page.locator('.ds-alert[data-color=success]').waitFor({ timeout: 60_000 });
    await d.click(page, page.locator('main a[href^="/statistics/tables/"]').first());
    await d.click(page, page.locator('main a[href^="/statistics/series/"]').first());
    assert.match(new URL(page.url()).pathname, /^\/statistics\/series\/\d+$/);
    const chart = page.locator('figure.chart-figure svg');
    await chart.waitFor();
    assert.ok((await chart.locator('path, polyline, line').count()) > 0, 'the chart draws lines');
  },

  async 'report the status of a measure'(d, page) {
    await signIn(d, page, 'leder');
    await d.click(page, nav(page, 'followup-nav'));
    await d.click(page, page.locator('main').getByRole('link', exact(nb['followup-report-title'].replace('{ $unit }', 'Bondi skole'))));
    assert.match(new URL(page.url()).pathname, /^\/followup\/units\/\d+\/report$/);
    const row = page.locator('form.followup-row', { has: page.locator('button[type=submit]') }).first();
    const id = await row.getAttribute('id');
    const comment = `Lærerne er på kurs i november (${d.name})`;
    await d.select(page, row.locator('select[name=status]'), { value: 'at_risk' });
    await d.fill(page, row.locator('input[name=progress]'), '55');
    await d.fill(page, row.locator('textarea[name=comment]'), comment);
    // htmx saves the row and swaps in the saved one without a page load.
    await d.click(page, row.locator('button[type=submit]'), { nav: false });
    const saved = page.locator(`#${id}`);
    await saved.locator('[role=status]').waitFor();
    await assertText(saved, nb['followup-saved']);
    await assertText(saved, nb['followup-status-at_risk']);
    await assertText(saved, '55 %');
    // The report is in the element's history, and the risk opened a management dialogue.
    await d.click(page, saved.locator('h3 a'));
    assert.match(new URL(page.url()).pathname, /^\/elements\/\d+$/);
    await assertText(page.locator('#h-followup').locator('..'), comment);
    await assertText(page.locator('#h-followup').locator('..'), nb['followup-open-dialogue']);
  },

  async 'log out'(d, page) {
    await signIn(d, page, 'politiker');
    await d.click(page, page.getByRole('button', exact(nb.logout)));
    assert.equal(new URL(page.url()).pathname, '/login');
    const res = await page.goto('/plans');
    assert.equal(new URL(page.url()).pathname, '/login', 'a protected page sends the signed-out user to the login page');
    assert.equal(res.status(), 200);
    await assertText(page.locator('h1'), nb['login-title']);
  },
};

async function assertText(locator, expected) {
  const text = (await locator.first().innerText()).replace(/\s+/g, ' ');
  assert.ok(text.includes(expected), `expected "${expected}" in "${text.slice(0, 300)}"`);
}

for (const backend of backends()) {
  for (const d of drivers) {
    describe(`journeys on ${backend} with the ${d.name}`, () => {
      const env = appAndBrowser(backend);
      for (const [title, journey] of Object.entries(journeys)) {
        test(title, async (t) => {
          const page = await newPage(env.browser, env.app.base);
          try {
            await withArtifacts(page, `journey-${backend}-${d.name}-${title}`, () => journey(d, page, t));
          } finally {
            await page.context().close();
          }
        });
      }
    });
  }
}
