// Headless system Chromium through playwright-core (never a downloaded browser), with helpers for
// logging in and for keeping a screenshot and the page HTML when a test fails.
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, after } from 'node:test';
import { repoRoot, startApp } from './server.mjs';

export const PASSWORD = 'rodtrad-demo';
export const artifactsDir = join(repoRoot, 'target', 'browser-artifacts');

function executablePath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chromium found (tried ${candidates.join(', ')}); scripts/test installs Debian's chromium`);
  return found;
}

export async function launch() {
  return chromium.launch({
    executablePath: executablePath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** A fresh browser context (own cookies) with one page. */
export async function newPage(browser, base) {
  const context = await browser.newContext({ baseURL: base, acceptDownloads: true, locale: 'nb-NO' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  // Intercept file choosers from the start: Playwright turns interception on when the first
  // listener arrives, and a listener added in the same tick as the key press can lose the race.
  page.on('filechooser', () => {});
  return page;
}

/** Runs `fn(page)`; on failure keeps a screenshot and the HTML and prints their paths. */
export async function withArtifacts(page, name, fn) {
  try {
    return await fn(page);
  } catch (err) {
    mkdirSync(artifactsDir, { recursive: true });
    const stem = join(artifactsDir, name.replace(/[^a-zA-Z0-9_-]+/g, '_'));
    try {
      await page.screenshot({ path: `${stem}.png`, fullPage: true });
      writeFileSync(`${stem}.html`, `<!-- ${page.url()} -->\n${await page.content()}`);
      console.error(`# failure artefacts: ${stem}.png ${stem}.html (page ${page.url()})`);
    } catch (e) {
      console.error(`# could not save failure artefacts for ${name}: ${e.message}`);
    }
    throw err;
  }
}

/** Logs in through the form with the mouse. */
export async function login(page, email) {
  await page.goto('/login');
  await page.fill('#f-email', email);
  await page.fill('#f-password', PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('form[action="/login"] button[type=submit]')]);
}

export function demoEmail(role) {
  return `${role}@demo.rodtrad.no`;
}

/**
 * Inside a describe(): a fresh application on `backend` and a browser for the suite's tests,
 * stopped afterwards. Returns the holder; its `app` and `browser` are set once the suite starts.
 */
export function appAndBrowser(backend) {
  const env = { app: null, browser: null };
  before(async () => {
    env.app = await startApp(backend);
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.app?.stop();
  });
  return env;
}
