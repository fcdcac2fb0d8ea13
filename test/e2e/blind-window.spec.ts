// The rendered base: "an edit in the window between a status arrival and its
// render is judged against what the operator saw". The page's main thread is
// really blocked (one long task) while the hardware changes the value; the
// engine worker runs on and receives the change; the edit is committed in that
// same task, before the page could render the new value. The control's base
// must be what it rendered, so the planner sees a report that differs from it
// and discards the edit visibly, publishing nothing.

import { deviceValue, editInBlockedTask, engineHeard, expect, expectConnected, test } from './harness.js';

const PROP = 'genlock/phase-h';
const STATUS_TOPIC = `homie/5/vp4/${PROP}`;

test.describe('the blind window between a status arrival and its render', () => {
  test('an edit committed while the page had not rendered the hardware change is discarded, with the card, and nothing is published', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    const phaseH = page.getByRole('spinbutton', { name: 'Genlock phase H' });
    await expect(phaseH).toHaveValue('22');

    const shown = await editInBlockedTask(phaseH, '25', {
      busyMs: 400,
      whileBlocked: async () => {
        expect(hf.stack.setFromPanel('vp4', PROP, -25)).toMatchObject({ ok: true });
        // The engine worker is not blocked: it receives the change while the page cannot render it.
        await expect.poll(() => engineHeard(page, STATUS_TOPIC, '-25')).toBe(true);
      },
    });
    // The operator saw 22 and edited on top of it: nothing rendered in between.
    expect(shown).toEqual({ shownAtStart: '22', shownAtEdit: '22' });

    const card = page.getByRole('group', { name: 'Not sent: Genlock phase H' });
    await expect(card).toBeVisible();
    await expect(card).toContainText('was 22 ° when you edited');
    await expect(card).toContainText('you set 25 °');
    await expect(card).toContainText('device is now -25 °');
    await expect(phaseH).toHaveValue('-25');
    await hf.settle();
    expect(hf.sets(PROP)).toEqual([]);
    expect(deviceValue(hf.stack, PROP)).toBe(-25);
  });

  test('a burst of hardware changes inside the window: judged against the rendered value, the card shows the last one', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    const phaseH = page.getByRole('spinbutton', { name: 'Genlock phase H' });
    await expect(phaseH).toHaveValue('22');

    const burst = [30, -4, 17, -40, -9];
    const shown = await editInBlockedTask(phaseH, '60', {
      busyMs: 400,
      whileBlocked: async () => {
        for (const v of burst) expect(hf.stack.setFromPanel('vp4', PROP, v)).toMatchObject({ ok: true });
        await expect.poll(() => engineHeard(page, STATUS_TOPIC, String(burst.at(-1)))).toBe(true);
      },
    });
    expect(shown).toEqual({ shownAtStart: '22', shownAtEdit: '22' });

    const card = page.getByRole('group', { name: 'Not sent: Genlock phase H' });
    await expect(card).toBeVisible();
    await expect(card).toContainText('was 22 ° when you edited');
    await expect(card).toContainText('you set 60 °');
    await expect(card).toContainText('device is now -9 °');
    await expect(phaseH).toHaveValue('-9');
    await hf.settle();
    expect(hf.sets(PROP)).toEqual([]);
    expect(deviceValue(hf.stack, PROP)).toBe(-9);
  });
});
