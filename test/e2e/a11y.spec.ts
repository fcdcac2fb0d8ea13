import { mkdirSync } from 'node:fs';
import { cutNetwork, expect, expectConnected, setNumber, setTheme, test } from './harness.js';
import { expectNoAxeViolations } from '../support/axe.js';

const SHOTS = 'docs/screenshots';

test.describe('accessibility, keyboard, layout and screenshots', () => {
  test.skip(({ brokerKind }) => brokerKind !== 'aedes', 'the UI does not depend on the broker');

  test('every screen passes axe in both themes; screenshots for the README', async ({ page, hf }) => {
    mkdirSync(SHOTS, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await hf.open(page);
    await expectConnected(page);
    await page.getByRole('button', { name: 'Not now' }).click();
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    await setTheme(page, 'dark');
    await expectNoAxeViolations(page, 'console (dark)');
    await page.screenshot({ path: `${SHOTS}/dark-theme.png` });

    await setTheme(page, 'light');
    await expectNoAxeViolations(page, 'console (light)');
    await setTheme(page, 'dark');

    // History: a few values, then the chart.
    for (const v of [10, -5, 30]) {
      hf.stack.setFromPanel('vp4', 'genlock/phase-h', v);
      await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue(String(v));
      await page.waitForTimeout(600);
    }
    await page.getByRole('button', { name: 'Show Genlock phase H history' }).click();
    await expect(page.getByRole('figure', { name: 'Genlock phase H history' }).locator('canvas')).toBeVisible();
    await expectNoAxeViolations(page, 'history chart');
    await page.getByRole('figure', { name: 'Genlock phase H history' }).screenshot({ path: `${SHOTS}/history-chart.png` });
    await page.getByRole('button', { name: 'Hide Genlock phase H history' }).click();

    // The incident's conflict card.
    cutNetwork(hf.proxy);
    await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
    hf.stack.setFromPanel('vp4', 'genlock/phase-h', -25);
    await setNumber(page, 'Genlock phase H', 25);
    hf.proxy.pass();
    const card = page.getByRole('group', { name: 'Not sent: Genlock phase H' });
    await expect(card).toBeVisible({ timeout: 15_000 });
    await expectNoAxeViolations(page, 'conflict card');
    await page.screenshot({ path: `${SHOTS}/conflict-card.png` });

    for (const panel of ['Outbox', 'Connection', 'Diagnostics', 'Traffic log', 'Settings', 'Alarms', 'Audit'] as const) {
      const button = page.getByRole('button', { name: panel, exact: panel !== 'Outbox' && panel !== 'Alarms' });
      await button.click();
      await expectNoAxeViolations(page, `${panel} panel`);
      if (panel === 'Diagnostics') await page.getByRole('region', { name: 'Connection diagnostics' }).screenshot({ path: `${SHOTS}/diagnostics.png` });
      await button.click();
    }
  });

  test('full keyboard operation', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    const phase = page.getByRole('spinbutton', { name: 'Genlock phase H' });
    await expect(phase).toHaveValue('22');
    // Reach the control by Tab alone.
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    for (let i = 0; i < 60 && !(await phase.evaluate((el) => el.matches(':focus'))); i++) await page.keyboard.press('Tab');
    await expect(phase).toBeFocused();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('-40');
    await page.keyboard.press('Enter');
    await expect.poll(() => hf.stack.devices.get('vp4')!.snapshot()['genlock/phase-h']).toBe(-40);
    // The slider: arrow keys settle into one edit.
    await page.keyboard.press('Tab');
    await expect(page.getByRole('slider', { name: 'Genlock phase H' })).toBeFocused();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => hf.stack.devices.get('vp4')!.snapshot()['genlock/phase-h']).toBe(-35);
    await hf.settle();
    expect(hf.sets('genlock/phase-h').map((s) => s.payload)).toEqual(['-40', '-35']);
    // Undo from the keyboard sends the previous value through the outbox.
    await page.getByRole('button', { name: 'Undo' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => hf.stack.devices.get('vp4')!.snapshot()['genlock/phase-h']).toBe(-40);
    // A switch toggles with Space.
    await page.getByRole('switch', { name: 'Test pattern' }).focus();
    await page.keyboard.press('Space');
    await expect.poll(() => hf.stack.devices.get('vp4')!.snapshot()['output/test-pattern']).toBe(true);
    // The momentary reboot needs a confirmation step.
    await page.getByRole('button', { name: 'Reboot', exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', { name: 'Confirm Reboot' })).toBeVisible();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await hf.settle();
    expect(hf.sets('system/reboot')).toEqual([]);
  });

  test('touch targets are at least 44 px, and the layout works from phone to desktop', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    for (const width of [360, 768, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      const small = await page.evaluate(() => {
        const out: string[] = [];
        const visit = (root: Document | ShadowRoot): void => {
          for (const el of root.querySelectorAll<HTMLElement>('button, select, input:not([type=hidden]), [role=switch]')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            if (r.height < 44 || (r.width < 44 && el.getAttribute('type') !== 'checkbox')) out.push(`${el.tagName} "${el.getAttribute('aria-label') ?? el.textContent?.trim()}" ${Math.round(r.width)}×${Math.round(r.height)}`);
          }
          for (const host of root.querySelectorAll('*')) if (host.shadowRoot) visit(host.shadowRoot);
        };
        visit(document);
        return out;
      });
      expect(small, `targets under 44 px at ${width} px`).toEqual([]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `horizontal scroll at ${width} px`).toBeLessThanOrEqual(0);
      if (width >= 768) {
        // The header is one row: the title, the connection state and the tools side by side.
        const rows = await page.evaluate(() => {
          const header = document.querySelector('hf-app')!.shadowRoot!.querySelector('header')!;
          const tops = [...header.children].filter((el) => el.getBoundingClientRect().height > 0).map((el) => Math.round(el.getBoundingClientRect().top / 10));
          return { distinct: new Set(tops).size, height: header.getBoundingClientRect().height };
        });
        expect(rows.height, `header height at ${width} px`).toBeLessThan(80);
      }
    }
    // Below 1200 px the less frequent tools fold behind "Tools", by keyboard too.
    await page.setViewportSize({ width: 768, height: 800 });
    await expect(page.getByRole('button', { name: 'Settings', exact: true })).toBeHidden();
    const tools = page.getByRole('button', { name: 'Tools', exact: true });
    await tools.focus();
    await page.keyboard.press('Enter');
    await expect(tools).toHaveAttribute('aria-expanded', 'true');
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await expect(page.getByRole('combobox', { name: 'Theme' })).toBeVisible();
    await expect(tools).toHaveAttribute('aria-expanded', 'false');
  });
});
