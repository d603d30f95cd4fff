/**
 * The web app in a real Chromium against a real Conveyor: the API serving the built app, the in-process
 * queue, the code-processor on Docker and the image-processor on sharp. Elements are found by role and
 * accessible name (the table), as a person using a screen reader would find them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import {
  type Chromium,
  launchChromium,
  newPage,
  type PageProblems,
  screenshots,
  seriousAxeViolations,
} from './browser.js';
import { type RunningStack, startApiWithBrokerDown, startStack } from './stack.js';

const PASSWORD = 'correct horse 1';
const TASK_TIMEOUT = 60_000;

const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function signUp(page: Page, base: string, username: string, password = PASSWORD): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * Replaces the editor's text as a person pasting would: select all, then a paste, which CodeMirror handles
 * itself. (Playwright's fill types into the contenteditable, where Chromium's own editing code briefly adds
 * style attributes that the page's CSP refuses and reports.)
 */
async function setCode(page: Page, code: string): Promise<void> {
  const editor = page.getByRole('textbox', { name: 'Code' });
  await editor.click();
  await page.keyboard.press('Control+A');
  await editor.evaluate((element, text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, code);
  const shown = await editor.evaluate((element) =>
    Array.from(element.querySelectorAll('.cm-line'), (line) => line.textContent).join('\n'),
  );
  assert.equal(shown, code, 'the editor holds the pasted code');
}

function result(page: Page) {
  return page.getByRole('region', { name: 'Result' });
}

/** Waits until the Result region shows this verdict (a badge's text). */
async function verdict(page: Page, text: string): Promise<void> {
  await result(page).getByText(text, { exact: true }).first().waitFor({ timeout: TASK_TIMEOUT });
}

async function assertAccessible(page: Page, what: string, problems?: PageProblems): Promise<void> {
  const violations = await seriousAxeViolations(page, problems);
  assert.deepEqual(
    violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`),
    [],
    `axe on ${what}`,
  );
}

/** An opaque RGB picture with varied pixels, so a filter's effect shows in every channel. */
async function gradientPng(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = (x * 255) / (width - 1);
      pixels[i + 1] = (y * 255) / (height - 1);
      pixels[i + 2] = ((x + y) * 37) % 256;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** A PNG whose header is right (the API accepts it) and whose pixel data is not (the worker fails it). */
async function corruptPng(): Promise<Buffer> {
  const png = Buffer.from(await gradientPng(16, 16));
  const idat = png.indexOf('IDAT');
  png.fill(0x55, idat + 4, idat + 4 + png.readUInt32BE(idat - 4));
  return png;
}

/** The displayed result image's RGBA pixels, read back through a canvas in the page. */
async function displayedPixels(page: Page): Promise<{ width: number; height: number; data: number[] }> {
  return page.evaluate(async () => {
    const img = document.querySelector('img[data-result-image]') as HTMLImageElement;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d', { colorSpace: 'srgb' }) as CanvasRenderingContext2D;
    context.drawImage(img, 0, 0);
    return {
      width: canvas.width,
      height: canvas.height,
      data: Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data),
    };
  });
}

describe('the web app in Chromium', () => {
  let stack: RunningStack;
  let chrome: Chromium;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  const firstUser = uniqueName('alice');

  before(async () => {
    stack = await startStack();
    chrome = await launchChromium();
    context = chrome.context;
    ({ page, problems } = await newPage(context));
  });

  after(async () => {
    await chrome?.close();
    await stack?.close();
  });

  // Every step runs under the page's CSP without a violation (checked after each, so a failure names the step).
  afterEach(async () => {
    await page.waitForTimeout(100);
    assert.deepEqual(problems.csp.splice(0), [], 'CSP violations');
  });

  test('the page comes with its security headers and runs under its CSP without a violation', async () => {
    const response = await page.goto(`${stack.base}/`);
    const headers = response?.headers() ?? {};
    assert.match(headers['content-security-policy'] ?? '', /script-src 'self';.*frame-ancestors 'none'/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.deepEqual(problems.csp, []);
    await assertAccessible(page, 'the sign-in page', problems);
    await screenshots(page, 'sign-in');
  });

  test('sign up: the API errors appear next to the field they name; then sign out and sign in', async () => {
    await page.goto(`${stack.base}/`);
    await page.getByLabel('Username').fill(firstUser);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Sign up' }).click();
    const password = page.getByLabel('Password');
    await page
      .locator('#auth-password-error')
      .getByText(/password/i)
      .waitFor();
    assert.equal(await password.getAttribute('aria-invalid'), 'true');
    assert.equal(await password.getAttribute('aria-describedby'), 'auth-password-error');

    await password.fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    // The same name with another password: taken, said next to Username.
    await page.getByLabel('Username').fill(firstUser);
    await page.getByLabel('Password').fill('another password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.locator('#auth-username-error').getByText('This name is taken.').waitFor();
    // A wrong password is said under the form, for both fields.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .getByText(/wrong username or password/i)
      .waitFor();

    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    for (const name of ['New code task', 'New image task', 'Tasks']) {
      await page.getByRole('link', { name, exact: true }).waitFor();
    }
  });

  test('python with stdin, run with Ctrl+Enter: ok and its stdout; focus moves to the result', async () => {
    await page.getByRole('link', { name: 'New code task' }).click();
    await page.getByLabel('Language').selectOption('python3');
    // The interpreter's version from GET /languages, as the code worker read it from the sandbox image.
    await page.locator('#code-version', { hasText: /^Python 3\.\d+/ }).waitFor();
    await setCode(page, 'import sys\nname = sys.stdin.readline().strip()\nprint("hello " + name)\n');
    await page.getByLabel('Input').fill('conveyor\n');
    await page.getByRole('textbox', { name: 'Code' }).press('Control+Enter');
    await verdict(page, 'ok');
    const output = result(page).getByRole('region', { name: 'Output' });
    assert.equal((await output.locator('pre').textContent())?.trim(), 'hello conveyor');
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-labelledby') === 'result-heading');
    assert.match((await result(page).textContent()) ?? '', /exit code 0/);
    await assertAccessible(page, 'the code page with a result', problems);
    await screenshots(page, 'code-ok');
  });

  test('a reload keeps the session, the code and the language', async () => {
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByRole('textbox', { name: 'Code' }).getByText('print("hello " + name)').waitFor();
    assert.equal(await page.getByLabel('Language').inputValue(), 'python3');
    assert.equal(await page.getByLabel('Input').inputValue(), 'conveyor\n');
  });

  test("C with a syntax error: compile_error and the compiler's message", async () => {
    await page.getByLabel('Language').selectOption('gcc');
    await setCode(page, '#include <stdio.h>\nint main(void) {\n  printf("hi\\n")\n  return 0;\n}\n');
    await page.getByRole('button', { name: 'Run' }).click();
    await verdict(page, 'compile_error');
    const compiler = result(page).getByRole('region', { name: 'Compiler output' });
    assert.match((await compiler.textContent()) ?? '', /error/);
    await screenshots(page, 'code-compile-error');
  });

  test('an infinite loop with a 1 s time limit: time_limit', async () => {
    await page.getByLabel('Language').selectOption('python3');
    await setCode(page, 'while True:\n    pass\n');
    await page.getByLabel('Time limit (ms)').fill('1000');
    await page.getByRole('button', { name: 'Run' }).click();
    await verdict(page, 'time_limit');
    await page.getByLabel('Time limit (ms)').fill('');
  });

  test('Cancel task stops a running infinite loop: failed, cancelled, shown in place', async () => {
    await setCode(page, 'while True:\n    pass\n');
    await page.getByLabel('Time limit (ms)').fill('10000');
    await page.getByRole('button', { name: 'Run' }).click();
    const cancel = result(page).getByRole('button', { name: 'Cancel task' });
    await cancel.waitFor({ timeout: TASK_TIMEOUT });
    // The watch long-polls for the end, so the page may still say queued: give the loop time to start.
    await page.waitForTimeout(1500);
    const started = Date.now();
    await cancel.click();
    await verdict(page, 'failed');
    await result(page).getByText('cancelled', { exact: true }).waitFor();
    assert.ok(Date.now() - started < 5000, 'ended at the cancel, well before its 10 s time limit');
    await assertAccessible(page, 'a cancelled task', problems);
    await page.getByLabel('Time limit (ms)').fill('');
  });

  test('a time limit outside the bounds from GET /limits is refused in the page, next to its field', async () => {
    await page.getByLabel('Time limit (ms)').fill('999999');
    await page.getByRole('button', { name: 'Run' }).click();
    await page
      .locator('#limits-time_ms-error')
      .getByText(/from 100 to 60000/)
      .waitFor();
    await page.getByLabel('Time limit (ms)').fill('');
  });

  test('an image dropped in, Blur then Negative: before and after, and the shown pixels are the API result', async () => {
    await page.getByRole('link', { name: 'New image task' }).click();
    const png = await gradientPng(48, 32);
    // A drop, as from the desktop.
    const transfer = await page.evaluateHandle((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'gradient.png', { type: 'image/png' }));
      return data;
    }, png.toString('base64'));
    await page.dispatchEvent('.dropzone', 'drop', { dataTransfer: transfer });
    await page.getByText(/gradient\.png · 48×32/).waitFor();

    await page.getByLabel('Sigma').fill('1.5');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.getByLabel('Filter').nth(1).selectOption('Negative');
    // Sigma only for the filters that take one.
    assert.equal(await page.getByLabel('Sigma').count(), 1);
    await page.getByRole('button', { name: 'Process' }).click();
    await verdict(page, 'ready');
    await result(page)
      .getByRole('img', { name: /Before/ })
      .waitFor();
    await result(page).getByRole('img', { name: /After/ }).waitFor();
    const href = await result(page).getByRole('link', { name: 'Download result' }).getAttribute('href');
    const taskId = /\/result\/([^?]+)\?format=png/.exec(href ?? '')?.[1];
    assert.ok(taskId, `a download link to the PNG (${href})`);

    const shown = await displayedPixels(page);
    const fromApi = await context.request.get(`${stack.base}/result/${taskId}?format=png`);
    assert.equal(fromApi.headers()['content-type'], 'image/png');
    const decoded = await sharp(await fromApi.body())
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([shown.width, shown.height], [decoded.info.width, decoded.info.height]);
    assert.deepEqual(shown.data, Array.from(decoded.data));
    // And it is the chain's picture: not the input.
    const input = await sharp(png).ensureAlpha().raw().toBuffer();
    assert.notDeepEqual(shown.data, Array.from(input));
    await assertAccessible(page, 'the image page with a result', problems);
    await screenshots(page, 'image-result');
  });

  test('the chain is reordered and edited by keyboard; a bad sigma is named on its step', async () => {
    await page.getByRole('button', { name: 'Move step 2 up' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.getByLabel('Filter').first().inputValue(), 'Negative');
    await page.getByLabel('Sigma').fill('0');
    await page.getByRole('button', { name: 'Process' }).click();
    await page.getByText('Sigma must be a number greater than 0 and at most 50.').waitFor();
    await page.getByRole('button', { name: 'Remove step 1' }).click();
    await page.getByLabel('Sigma').fill('1');
  });

  test('a file that is not a PNG is refused in the page, before any upload', async () => {
    let uploads = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/task')) uploads++;
    });
    await page.getByLabel('Image').setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('hello'),
    });
    await page
      .locator('#image-error')
      .getByText(/notes\.txt is not a PNG image/)
      .waitFor();
    assert.equal(await page.getByLabel('Image').getAttribute('aria-invalid'), 'true');
    assert.equal(uploads, 0);
  });

  test('a PNG the worker cannot decode: the task is failed with invalid_image, shown in place', async () => {
    await page
      .getByLabel('Image')
      .setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: await corruptPng() });
    await page.getByText(/broken\.png · 16×16/).waitFor();
    await page.getByRole('button', { name: 'Process' }).click();
    await verdict(page, 'failed');
    await result(page).getByText('invalid_image').waitFor();
    await screenshots(page, 'image-failed');
  });

  test('the task list moves a task from in_progress to ready without a reload; a task opens its result', async () => {
    await page.getByRole('link', { name: 'New code task' }).click();
    await setCode(page, 'import time\ntime.sleep(2.5)\nprint("slept")\n');
    await page.getByRole('button', { name: 'Run' }).click();
    await result(page).getByText('in_progress').waitFor();
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.evaluate(() => {
      (window as unknown as { stillThisPage: boolean }).stillThisPage = true;
    });
    const newest = page.locator('tbody tr').first();
    await newest.getByText('in_progress').waitFor();
    await screenshots(page, 'tasks-live');
    await newest.getByText('ready', { exact: true }).waitFor({ timeout: TASK_TIMEOUT });
    assert.equal(await page.evaluate(() => (window as unknown as { stillThisPage?: boolean }).stillThisPage), true);
    const rows = await page.locator('tbody tr').count();
    assert.ok(rows >= 5, `every task of this user is listed (${rows})`);
    await assertAccessible(page, 'the task list', problems);

    await newest.getByRole('link').click();
    await verdict(page, 'ok');
    assert.equal(
      (await result(page).getByRole('region', { name: 'Output' }).locator('pre').textContent())?.trim(),
      'slept',
    );
    await assertAccessible(page, "a task's page", problems);
    await screenshots(page, 'task-detail');
  });

  test('the network gone is said in place, and the page works again when it is back', async () => {
    await page.getByRole('link', { name: 'New code task' }).click();
    await setCode(page, 'print("back")\n');
    await context.setOffline(true);
    try {
      await page.getByRole('button', { name: 'Run' }).click();
      await page
        .getByRole('alert')
        .getByText(/cannot be reached/)
        .first()
        .waitFor();
      await page.getByText(/You are offline/).waitFor();
    } finally {
      await context.setOffline(false);
    }
    await page.getByRole('button', { name: 'Run' }).click();
    await verdict(page, 'ok');
  });

  test("sign out, and a second user does not see the first user's tasks", async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await signUp(page, stack.base, uniqueName('bob'));
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.getByText('No tasks yet').waitFor();
    assert.equal(await page.locator('tbody tr').count(), 0);
  });

  test('no uncaught error happened on any page', () => {
    assert.deepEqual(problems.errors, []);
  });
});

describe('the web app with the task queue down', () => {
  let api: RunningStack;
  let chrome: Chromium;

  before(async () => {
    api = await startApiWithBrokerDown();
    chrome = await launchChromium();
  });
  after(async () => {
    await chrome?.close();
    await api?.close();
  });

  test('Run answers 503: the page says the queue is unavailable and nothing was queued', async () => {
    const { page, problems } = await newPage(chrome.context);
    await signUp(page, api.base, uniqueName('carol'));
    await setCode(page, 'print(1)\n');
    await page.getByRole('button', { name: 'Run' }).click();
    await page
      .getByRole('alert')
      .getByText(/task queue is unavailable right now; nothing was queued/)
      .waitFor();
    await screenshots(page, 'queue-down');
    assert.deepEqual(problems.csp, []);
  });
});
