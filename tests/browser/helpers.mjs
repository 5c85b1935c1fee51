// Shared helpers for Drawdown's browser tests.
//
// Playwright (playwright-core only: it never downloads a browser) drives Debian's
// /usr/bin/chromium. Each test file launches one browser; each test gets a fresh
// browser context (its own cookies and storage), so tests do not share sessions.
//
// Environment:
//   DRAWDOWN_URL         base URL of a running `drawdown demo` (default http://127.0.0.1:18089)
//   DRAWDOWN_CHROMIUM    path of the browser (default /usr/bin/chromium)
//   DRAWDOWN_SCREENSHOT  "1" to write the screenshots the README shows into docs/

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.DRAWDOWN_URL ?? 'http://127.0.0.1:18089').replace(/\/+$/, '');
export const DEMO_PASSWORD = 'demo-password';
export const SESSION_COOKIE = 'dd_session';
export const SCREENSHOTS = process.env.DRAWDOWN_SCREENSHOT === '1';

/** Timeout of one test, in ms (passed to node:test as `{ timeout }`). */
export const TEST_TIMEOUT = 60_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launch Debian's Chromium. Playwright gives every launch its own temporary profile. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.DRAWDOWN_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/**
 * A fresh context (no cookies) and page on BASE_URL. Uncaught page errors are collected
 * in `errors`; call `assertNoPageErrors` at the end of a test.
 */
export async function newPage(browser, { viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport, locale: 'en-GB' });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  return { context, page, errors };
}

/** Path part of the page's current URL ("/login", "/", ...). */
export function pathOf(page) {
  return new URL(page.url()).pathname;
}

/**
 * Submit the form whose button is matched by `buttonSelector` and wait for the page it
 * leads to (a full-page navigation: the login and logout forms are plain HTML forms).
 */
export async function submitAndWait(page, buttonSelector) {
  await Promise.all([
    page.waitForEvent('load'),
    page.locator(buttonSelector).first().click(),
  ]);
}

/**
 * Log in through the login page. Does not assert success: the caller checks where it
 * landed (`pathOf(page)`), so the same helper serves failed logins.
 */
export async function login(page, username, password = DEMO_PASSWORD) {
  const response = await page.goto('/login');
  if (!response || response.status() !== 200) {
    throw new Error(`GET /login answered ${response ? response.status() : 'nothing'}`);
  }
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await submitAndWait(page, 'form[action="/login"] button[type=submit]');
}

/** Log out with the logout form in the page header. */
export async function logout(page) {
  await submitAndWait(page, 'form[action="/logout"] button');
}

/** The session cookie, or undefined. */
export async function sessionCookie(context) {
  const cookies = await context.cookies(BASE_URL);
  return cookies.find((c) => c.name === SESSION_COOKIE);
}

/** Fail with the collected uncaught page errors, if any. */
export function assertNoPageErrors(errors) {
  if (errors.length > 0) {
    throw new Error(`uncaught errors in the page:\n  ${errors.join('\n  ')}`);
  }
}

/** Absolute path of a file in the repository's docs/ folder (created if missing). */
export function docsPath(fileName) {
  const dir = fileURLToPath(new URL('../../docs/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return `${dir}${fileName}`;
}

/** Save a screenshot to docs/<fileName> when DRAWDOWN_SCREENSHOT=1. */
export async function screenshot(page, fileName) {
  const path = docsPath(fileName);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: false });
  return path;
}

/**
 * Start a private `drawdown demo --scale small` (for tests that change the whole deployment,
 * such as a wipe). The binary comes from DRAWDOWN_BIN or target/debug/drawdown. Resolves to
 * { url, stop, output() } once /healthz answers.
 */
export async function startPrivateDemo() {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { createServer } = await import('node:net');
  const bin = process.env.DRAWDOWN_BIN ?? fileURLToPath(new URL('../../target/debug/drawdown', import.meta.url));
  const port = await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(`${tmpdir()}/drawdown-browser-`);
  const child = spawn(bin, ['demo', '--scale', 'small', '--addr', `127.0.0.1:${port}`, '--data-dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`demo exited early:\n${output}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`demo did not answer within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh context and page on another server than BASE_URL. */
export async function newPageAt(browser, baseURL) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  return { context, page, errors };
}
