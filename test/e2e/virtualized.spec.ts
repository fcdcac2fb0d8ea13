import { BenchPublisher, valueTopic } from '../../bench/publisher.js';
import { expect, expectConnected, setNumber, test } from './harness.js';

// Long lists render only what is in view (@lit-labs/virtualizer); they must
// still be lists of named controls, and say where each item sits in the whole.
test.describe('virtualized long lists', () => {
  test('keep their roles, names and positions, and controls in them work', async ({ page, hf }) => {
    const pub = await BenchPublisher.connect(hf.stack.brokerTcpUrl!, 40, 40, hf.stack.broker.credentials('device'));
    try {
      await pub.publishInstallation();
      await hf.open(page);
      await expectConnected(page);

      const nav = page.getByRole('navigation', { name: 'Devices' });
      await expect(nav.getByRole('button', { name: /Bench device 000/ })).toBeVisible();
      const deviceItems = nav.getByRole('listitem');
      const total = Number(await deviceItems.first().getAttribute('aria-setsize'));
      // 40 bench devices plus the simulator's own.
      expect(total).toBeGreaterThan(40);
      expect(await deviceItems.count()).toBeLessThan(total);
      await expect(deviceItems.first()).toHaveAttribute('aria-posinset', '1');

      await nav.getByRole('button', { name: /Bench device 000/ }).click();
      await expect(page.getByRole('heading', { name: 'Bench device 000' })).toBeVisible();
      // Full-size controls: in compact rows all 40 would fit in view, and nothing would be left to virtualize.
      const compact = page.getByRole('button', { name: 'Compact rows' });
      if ((await compact.getAttribute('aria-pressed')) === 'true') await compact.click();
      await expect(compact).toHaveAttribute('aria-pressed', 'false');
      // Its 40 settings are in four nodes ("Bank 0".."Bank 3"): the groups are the list, rendered as they come into view.
      const settings = page.getByRole('list', { name: 'Bench device 000 settings' });
      await expect(settings.getByRole('listitem').first()).toHaveAttribute('aria-setsize', '4');
      await expect(settings.getByRole('group', { name: 'Bank 0' })).toBeVisible();
      const first = page.getByRole('spinbutton', { name: 'Setting 000' });
      await expect(first).toHaveValue(String(pub.values.get(valueTopic(0, 0))));

      // The last setting is not rendered until it is scrolled into view.
      const last = page.getByRole('spinbutton', { name: 'Setting 035' });
      await expect(last).toHaveCount(0);
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await expect(last).toBeVisible();
      await expect(last).toHaveValue(String(pub.values.get(valueTopic(0, 35))));

      await setNumber(page, 'Setting 035', 7);
      if (hf.brokerKind === 'aedes') {
        await expect.poll(() => hf.sets('n3/p5').map((s) => s.payload)).toEqual(['7']);
      } else {
        // The Mosquitto test ACL lets operators write only to the simulator's devices: the edit went out and was refused.
        // Said twice: in the control's status and in its outbox entry.
        await expect(page.getByText('not authorized to publish to homie/5/bench-000/n3/p5/set').first()).toBeVisible();
      }
    } finally {
      await pub.close();
    }
  });
});
