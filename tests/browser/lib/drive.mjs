// Two ways to operate a page with the same journey code: the mouse (clicks, fills) and the keyboard
// only (Tab / Shift+Tab to reach an element, Enter / Space / arrows / typing to use it). The
// keyboard driver asserts that every element it stops on shows a visible focus indicator.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './server.mjs';

/** Messages of one language, over its feature files in `i18n/<lang>/` (`key = value` lines; enough
 * for the plain strings tests look for). */
export function messages(lang) {
  const dir = join(repoRoot, 'crates', 'web', 'i18n', lang);
  const files = readdirSync(dir).filter((f) => f.endsWith('.ftl')).sort();
  const text = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z][a-z0-9_-]*)\s*=\s*(.+)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

const waitLoad = (page) => page.waitForEvent('load', { timeout: 15_000 });

async function run(page, action, nav) {
  if (nav) await Promise.all([waitLoad(page), action()]);
  else await action();
}

export const mouse = {
  name: 'mouse',
  /** Clicks a link, button or summary; `nav` waits for the next page. */
  async click(page, locator, { nav = true } = {}) {
    await run(page, () => locator.click(), nav);
  },
  async fill(page, locator, text) {
    await locator.fill(text);
  },
  /** Chooses an option by its label, or by `{ value }`. */
  async select(page, locator, choice) {
    await locator.selectOption(typeof choice === 'string' ? { label: choice } : choice);
  },
  async date(page, locator, iso) {
    await locator.fill(iso);
  },
  /** A file field: clicking opens the file chooser, which gets the file. */
  async file(page, locator, path) {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), locator.click()]);
    await chooser.setFiles(path);
  },
};

/** Describes the focused element and whether a focus indicator is drawn for it. */
function focusState() {
  const el = document.activeElement;
  if (!el || el === document.body) return { target: false, none: true };
  const ring = (node) => {
    const s = getComputedStyle(node);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== 'none');
  };
  const field = el.matches('input[type=checkbox], input[type=radio]') ? el.closest('.ds-field') : null;
  const r = el.getBoundingClientRect();
  return {
    target: el.dataset.kbTarget === '1',
    none: false,
    visible: ring(el) || Boolean(field && ring(field)) || (el.classList.contains('ds-skip-link') && r.width > 1),
    desc: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.textContent || el.name || '').trim().slice(0, 50)}"`,
  };
}

/**
 * Moves the focus to `locator` with Tab (or Shift+Tab when `backwards`) only, failing when the
 * element is not reached within `max` steps or has no visible focus indicator once reached.
 */
export async function tabTo(page, locator, { backwards = false, max = 400 } = {}) {
  await locator.first().waitFor({ state: 'attached' });
  await page.evaluate(() => document.querySelectorAll('[data-kb-target]').forEach((e) => delete e.dataset.kbTarget));
  await locator.first().evaluate((el) => {
    el.dataset.kbTarget = '1';
  });
  const key = backwards ? 'Shift+Tab' : 'Tab';
  let state = await page.evaluate(focusState);
  let wrapped = 0;
  for (let i = 0; !state.target; i++) {
    if (i >= max) throw new Error(`${await locator.first().evaluate((el) => el.outerHTML.slice(0, 160))} not reached with ${key} in ${max} steps`);
    await page.keyboard.press(key);
    state = await page.evaluate(focusState);
    if (state.none && ++wrapped > 2) throw new Error(`focus left the page twice without reaching ${await locator.first().evaluate((el) => el.outerHTML.slice(0, 160))}`);
  }
  assert.ok(state.visible, `no visible focus indicator on ${state.desc}`);
}

export const keyboard = {
  name: 'keyboard',
  async click(page, locator, { nav = true, backwards = false } = {}) {
    await tabTo(page, locator, { backwards });
    const isSummary = await locator.first().evaluate((el) => el.tagName === 'SUMMARY');
    // Space opens a <details>, Enter follows links and presses buttons.
    await run(page, () => page.keyboard.press(isSummary ? 'Space' : 'Enter'), nav);
  },
  async fill(page, locator, text) {
    await tabTo(page, locator);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type(text);
    assert.equal(await locator.first().inputValue(), text);
  },
  async select(page, locator, choice) {
    await tabTo(page, locator);
    const target = await locator
      .first()
      .evaluate((el, c) => [...el.options].findIndex((o) => (typeof c === 'string' ? o.label.trim() === c : o.value === c.value)), choice);
    assert.ok(target >= 0, `no option ${JSON.stringify(choice)}`);
    for (let i = 0; i < 500; i++) {
      const current = await locator.first().evaluate((el) => el.selectedIndex);
      if (current === target) return;
      await page.keyboard.press(current < target ? 'ArrowDown' : 'ArrowUp');
    }
    throw new Error(`could not choose ${JSON.stringify(choice)} with the arrow keys`);
  },
  /**
   * A date field, typed digit by digit. The order of its parts follows the browser's build
   * locale (month first in headless Chromium, day first in nb-NO), so callers pick a day equal
   * to the month and the same keys work in both.
   */
  async date(page, locator, iso) {
    await tabTo(page, locator);
    const [y, m, d] = iso.split('-');
    assert.equal(d, m, 'keyboard dates need day == month to be locale-independent');
    await page.keyboard.type(`${d}${m}${y}`);
    assert.equal(await locator.first().inputValue(), iso, 'the date typed with the keyboard');
  },
  /**
   * A file field: Space on the focused field opens the file chooser, which gets the file.
   * Chromium drops a chooser request that arrives while the page is still settling after the
   * navigation that showed the form (no event, no dialog), so Space is pressed again — on the
   * same focused field, still keyboard only — when no chooser appeared within five seconds.
   */
  async file(page, locator, path) {
    await tabTo(page, locator);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const chooser = page.waitForEvent('filechooser', { timeout: 5_000 }).catch(() => null);
      await page.keyboard.press('Space');
      const opened = await chooser;
      if (opened) {
        await opened.setFiles(path);
        return;
      }
      const focused = await locator.first().evaluate((el) => el === document.activeElement);
      assert.ok(focused, 'the file field lost the focus while waiting for its chooser');
    }
    throw new Error('Space on the focused file field opened no file chooser in three tries');
  },
};

export const drivers = [mouse, keyboard];
