import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startStaticServer, type StaticServer } from '../../sim/static-server.js';
import { cutNetwork, deviceValue, expect, expectConnected, setNumber, test } from './harness.js';

/**
 * Build B: build A with a changed app shell. index.html carries a marker and
 * the worker's precache manifest gets its new revision, so sw.js differs byte
 * for byte, as after a real deploy.
 */
async function makeBuildB(dir: string): Promise<void> {
  const indexPath = join(dir, 'index.html');
  const swPath = join(dir, 'sw.js');
  const indexA = await readFile(indexPath, 'utf8');
  const indexB = indexA.replace('<html lang="en">', '<html lang="en" data-build="B">');
  if (indexB === indexA) throw new Error('index.html has no <html lang="en"> to mark');
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  const sw = await readFile(swPath, 'utf8');
  const entryA = `{"revision":"${md5(indexA)}","url":"index.html"}`;
  if (!sw.includes(entryA)) throw new Error('sw.js has no precache entry for index.html with its revision');
  await writeFile(indexPath, indexB);
  await writeFile(swPath, sw.replace(entryA, `{"revision":"${md5(indexB)}","url":"index.html"}`));
}

/** Version A (the current dist) in a served directory, and version B beside it, ready to be "deployed". */
async function prepareBuilds(): Promise<{ work: string; served: string; buildB: string }> {
  const work = await mkdtemp(join(tmpdir(), 'holdfast-update-'));
  const served = join(work, 'served');
  const buildB = join(work, 'build-b');
  await cp(resolve('dist'), served, { recursive: true });
  await cp(resolve('dist'), buildB, { recursive: true });
  await makeBuildB(buildB);
  return { work, served, buildB };
}

test('a new version waits for the operator, then reloads into it with the outbox intact, which it reconciles', async ({ page, hf }) => {
  const { work, served, buildB } = await prepareBuilds();
  // Our own server over a directory whose contents the "deploy" replaces.
  let server: StaticServer | null = null;
  try {
    server = await startStaticServer({ root: served, port: 0, config: { brokerUrl: hf.stack.brokerWsUrl } });
    await page.goto(`${server.url}?broker=${encodeURIComponent(hf.proxy.url('/'))}`);
    await page.getByRole('button', { name: 'Add and connect' }).click();
    await expectConnected(page);
    // Version A: the first install takes control at once.
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await expect(page.locator('html')).not.toHaveAttribute('data-build', 'B');
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase V' })).toHaveValue('0');

    // Mid-shift, the broker is out of reach and two edits wait in the outbox.
    cutNetwork(hf.proxy);
    await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
    await setNumber(page, 'Genlock phase H', 30);
    await setNumber(page, 'Genlock phase V', 12);
    await expect(page.getByText(/^Queued:/)).toHaveCount(2);

    // Version B is deployed and the browser finds it.
    await cp(buildB, served, { recursive: true, force: true });
    await page.evaluate(() => {
      (window as { holdfastVersionA?: boolean }).holdfastVersionA = true;
    });
    await page.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())?.update();
    });
    const notice = page.getByRole('status').filter({ hasText: 'A new version is ready' });
    await expect(notice).toBeVisible();
    // It waits: version A still runs this page, which did not reload on its own.
    expect(await page.evaluate(() => (window as { holdfastVersionA?: boolean }).holdfastVersionA)).toBe(true);
    expect(await page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())?.waiting)).toBe(true);
    await expect(page.locator('html')).not.toHaveAttribute('data-build', 'B');
    await expect(page.getByText(/^Queued:/)).toHaveCount(2);

    // Someone at the hardware changes one of the two settings meanwhile.
    expect(hf.stack.setFromPanel('vp4', 'genlock/phase-h', -25)).toMatchObject({ ok: true });

    // The operator chooses the moment.
    const reloaded = page.waitForEvent('load');
    await notice.getByRole('button', { name: 'Update now' }).click();
    await reloaded;
    await expect(page.locator('html')).toHaveAttribute('data-build', 'B');
    expect(await page.evaluate(() => (window as { holdfastVersionA?: boolean }).holdfastVersionA)).toBeUndefined();
    expect(await page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())?.waiting)).toBe(false);
    await expect(page.getByRole('status').filter({ hasText: 'A new version is ready' })).toHaveCount(0);
    // The outbox survived the swap, and nothing was sent while the broker was out of reach.
    await expect(page.getByText(/^Queued:/)).toHaveCount(2);
    await hf.settle();
    expect(hf.sets()).toEqual([]);

    // Version B reconciles what version A queued: the unchanged setting is sent once, the changed one is not.
    hf.proxy.pass();
    await expectConnected(page);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-v')).toBe(12);
    const card = page.getByRole('group', { name: 'Not sent: Genlock phase H' });
    await expect(card).toContainText('you set 30 °');
    await expect(card).toContainText('device is now -25 °');
    await expect(page.getByText(/^Queued:/)).toHaveCount(0);
    expect(deviceValue(hf.stack, 'genlock/phase-h')).toBe(-25);
    await hf.settle();
    expect(hf.sets().map((s) => `${s.topic} ${s.payload}`)).toEqual(['homie/5/vp4/genlock/phase-v/set 12']);
  } finally {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  }
});

test('with two tabs open, "Update now" in one reloads only that one; the other offers the reload and waits for its operator', async ({ page, hf }) => {
  const { work, served, buildB } = await prepareBuilds();
  let server: StaticServer | null = null;
  try {
    server = await startStaticServer({ root: served, port: 0, config: { brokerUrl: hf.stack.brokerWsUrl } });
    const url = `${server.url}?broker=${encodeURIComponent(hf.proxy.url('/'))}`;
    await page.goto(url);
    await page.getByRole('button', { name: 'Add and connect' }).click();
    await expectConnected(page);
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    const second = await page.context().newPage();
    await second.goto(url);
    await expect(second.getByRole('status', { name: 'Connection' })).toContainText('via another tab');
    for (const p of [page, second]) {
      await p.evaluate(() => {
        (window as { holdfastVersionA?: boolean }).holdfastVersionA = true;
      });
    }

    await cp(buildB, served, { recursive: true, force: true });
    await page.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())?.update();
    });
    const notice = (p: typeof page) => p.getByRole('status').filter({ hasText: 'A new version is ready' });
    await expect(notice(page)).toBeVisible();
    await expect(notice(second)).toBeVisible();

    const reloaded = page.waitForEvent('load');
    await notice(page).getByRole('button', { name: 'Update now' }).click();
    await reloaded;
    await expect(page.locator('html')).toHaveAttribute('data-build', 'B');

    // The other tab is now controlled by version B but still runs A: it says so, and leaves the moment to its operator.
    await expect.poll(() => second.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null)).toBeNull();
    await expect(notice(second)).toBeVisible();
    expect(await second.evaluate(() => (window as { holdfastVersionA?: boolean }).holdfastVersionA)).toBe(true);
    await expect(second.locator('html')).not.toHaveAttribute('data-build', 'B');

    const secondReloaded = second.waitForEvent('load');
    await notice(second).getByRole('button', { name: 'Update now' }).click();
    await secondReloaded;
    await expect(second.locator('html')).toHaveAttribute('data-build', 'B');
    await expect(notice(second)).toHaveCount(0);
  } finally {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  }
});
