/**
 * Debian's Chromium driven by playwright-core (no browser download: the project's setup installs the
 * `chromium` package). Each page records CSP violations and console errors, can be scanned with axe-core,
 * and saves screenshots for the README and CI's artifacts.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where screenshots go; CI keeps this folder as an artifact. */
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(process.cwd(), '.browser-artifacts');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface Chromium {
  context: BrowserContext;
  close: () => Promise<void>;
}

/** A fresh Chromium with a new, empty profile (--user-data-dir), deleted on close. */
export async function launchChromium(): Promise<Chromium> {
  const profile = await mkdtemp(join(tmpdir(), 'conveyor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: DESKTOP,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** What a page reported that a test must see empty: CSP violations and uncaught errors. */
export interface PageProblems {
  csp: string[];
  errors: string[];
}

export async function newPage(context: BrowserContext): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems: PageProblems = { csp: [], errors: [] };
  await page.exposeFunction('__reportCsp', (text: string) => problems.csp.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { __reportCsp: (t: string) => void }).__reportCsp(
        `${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}:${event.columnNumber} on ${(event.target as Element | null)?.outerHTML?.slice(0, 120)}`,
      );
    });
  });
  page.on('pageerror', (error) => problems.errors.push(error.message));
  return { page, problems };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/**
 * axe-core's violations of impact serious or critical on the page as it is now. axe's own probes set
 * style attributes on scratch elements, which the page's CSP reports: those reports (from evaluated
 * code, no source file) are the scanner's, not the app's, and are dropped from `problems`.
 */
export async function seriousAxeViolations(page: Page, problems?: PageProblems): Promise<AxeViolation[]> {
  const before = problems?.csp.length ?? 0;
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(`${axeSource};0`);
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
  )) as AxeViolation[];
  if (problems) {
    const during = problems.csp.splice(before);
    problems.csp.push(...during.filter((report) => !/^style-src-attr inline at :0:0 /.test(report)));
  }
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Saves the page at desktop and phone size, then puts the viewport back. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}
