// The real-world device corpus (test/fixtures/devices/**, see its README),
// through a real broker and the real console: a representative subset is
// published as its fixture says (retained before the console connects, live
// ones afterwards) by a separate MQTT client with the device login. For each
// one the device appears by name, its controls are there by role and name
// (inside their group when the fixture says so), and operating one settable
// control publishes exactly the fixture's command topic and payload.
//
// On Mosquitto the console may write only the command topics it needs; the
// corpus's are in test/support/mosquitto.ts CORPUS_COMMAND_TOPICS.

import type { Locator, Page } from '@playwright/test';
import { loadFixtures, payloadText, type ExpectedControl, type ExpectedDevice, type FixtureFile } from '../support/device-fixtures.js';
import { expect, expectConnected, mqttPublisher, selectDevice, test, type Console } from './harness.js';

/** The subset, and which of each fixture's commands is operated (device, group and control, as the fixture names them). */
const SUBSET: readonly { readonly file: string; readonly command: { readonly device: string; readonly control: string; readonly group?: string } }[] = [
  { file: 'ha/esphome-fan-controller.json', command: { device: 'Kitchen Fan', control: 'Kitchen Fan Fan timer' } },
  { file: 'ha/ems-esp-boiler-number-switch-select.json', command: { device: 'ems-esp Boiler', control: 'ems-esp Boiler Boiler pump mode' } },
  { file: 'ha/esphome-lock-and-text.json', command: { device: 'Front Door', control: 'Front Door Display message' } },
  { file: 'homie5/hc-smarthome-volume-three-channels.json', command: { device: 'Audio mixer', group: 'Channel 2', control: 'Volume level' } },
  { file: 'homie5/tieske-mertik-maxitrol-fireplace.json', command: { device: 'Smart Fireplace', group: 'burner', control: 'value' } },
  { file: 'homie4/homie-esp8266-sonoff-dual-shutters-homie3.json', command: { device: 'Bedroom shutters', group: 'Shutters', control: 'Level' } },
  { file: 'homie4/openhab-itest-homie3-device.json', command: { device: 'Name', group: 'Testnode', control: 'Testprop' } },
  { file: 'zigbee2mqtt/ikea-tradfri-led1545g12.json', command: { device: 'bulb', control: 'Brightness' } },
  { file: 'zigbee2mqtt/robb-rob-200-026-0-two-gang.json', command: { device: 'hall_switch', group: 'L2', control: 'State' } },
];

const fixtures = new Map(loadFixtures().map((f) => [f.file, f.fixture]));

/** Topics of the simulated VP4 and the consoles' own presence: not the fixture device's traffic. */
const BACKGROUND = (topic: string): boolean => topic.startsWith('holdfast/') || topic.startsWith('homie/5/vp4/');

/** Where a control is: inside its group when the device shows groups (one group only is not shown as one). */
function scopeOf(page: Page, device: ExpectedDevice, group: string | undefined): Locator {
  const region = page.getByRole('region', { name: device.name, exact: true });
  const sections = new Set(device.controls.map((c) => c.group ?? ''));
  return group !== undefined && sections.size > 1 ? region.getByRole('group', { name: group, exact: true }) : region;
}

/** The control an operator finds, by the role its kind renders as and its name. */
function controlOf(scope: Locator, c: Pick<ExpectedControl, 'kind' | 'name'>): Locator {
  const name = { name: c.name, exact: true } as const;
  switch (c.kind) {
    case 'number':
      return scope.getByRole('spinbutton', name);
    case 'select':
      return scope.getByRole('combobox', name);
    case 'switch':
      return scope.getByRole('switch', name);
    case 'text':
    case 'readonly':
      return scope.getByRole('textbox', name);
    case 'momentary':
      // A button (boolean), a group of buttons (enum), or a field with its Send button.
      return scope.getByRole('button', name).or(scope.getByRole('group', name)).or(scope.getByRole('spinbutton', name)).or(scope.getByRole('textbox', name)).first();
  }
}

async function publishFixture(hf: Console, fixture: FixtureFile, retained: boolean): Promise<void> {
  const publisher = await mqttPublisher(hf.stack);
  try {
    for (const m of fixture.messages.filter((x) => (x.retain !== false) === retained)) await publisher.publish(m.topic, payloadText(m.payload), { retain: retained });
  } finally {
    await publisher.close();
  }
}

test.describe('the device corpus on a real broker', () => {
  for (const { file, command: ref } of SUBSET) {
    test(file, async ({ page, hf }) => {
      const fixture = fixtures.get(file);
      if (!fixture) throw new Error(`no fixture ${file}`);
      expect(fixture.options ?? {}, 'the subset runs with the console default conventions').toEqual({});
      const command = fixture.expect.commands?.find((c) => c.device === ref.device && c.control === ref.control && c.group === ref.group);
      if (!command) throw new Error(`${file} has no command for ${JSON.stringify(ref)}`);

      await publishFixture(hf, fixture, true);
      await hf.open(page);
      await expectConnected(page);

      for (const device of fixture.expect.devices) {
        await selectDevice(page, device.name);
        const region = page.getByRole('region', { name: device.name, exact: true });
        if (device.availability && device.availability !== 'ready') continue;
        await expect(page.getByRole('status', { name: `${device.name} availability`, exact: true })).toHaveText('Online');
        for (const c of device.controls) {
          const control = controlOf(scopeOf(page, device, c.group), c);
          await expect(control, `${device.name}: ${c.group ? `${c.group} / ` : ''}${c.name} (${c.kind})`).toBeVisible();
          if (c.kind === 'readonly') await expect(control).not.toBeEditable();
        }
        await expect(region).toBeVisible();
      }

      const device = fixture.expect.devices.find((d) => d.name === command.device)!;
      await selectDevice(page, device.name);
      const live = fixture.messages.filter((m) => m.retain === false);
      if (live.length > 0) {
        // Live messages reach only a console that is subscribed: wait until this device's values are (its replay has settled).
        await expect(page.getByRole('status', { name: `${device.name} status received`, exact: true })).toContainText(/report only when they change|did not arrive/);
        await publishFixture(hf, fixture, false);
      }
      // The values the fixture says are shown, for the kinds whose value reads back plainly.
      for (const v of (fixture.expect.values ?? []).filter((x) => x.device === device.name)) {
        const expected = device.controls.find((c) => c.name === v.control && c.group === v.group);
        if (!expected || v.value === null) continue;
        const control = controlOf(scopeOf(page, device, v.group), expected);
        if (expected.kind === 'number' || expected.kind === 'select') await expect(control).toHaveValue(String(v.value));
        if (expected.kind === 'switch') await expect(control).toHaveAttribute('aria-checked', v.value === true ? 'true' : 'false');
      }

      const kind = device.controls.find((c) => c.name === command.control && c.group === command.group)?.kind;
      const control = controlOf(scopeOf(page, device, command.group), { kind: kind ?? 'text', name: command.control });
      const before = hf.stack.broker.publishes.length;
      switch (kind) {
        case 'number':
        case 'text':
          await control.fill(String(command.value));
          await control.press('Enter');
          break;
        case 'select':
          await control.selectOption(String(command.value));
          break;
        case 'switch':
          // A tap flips what it shows (Unknown counts as off).
          await expect(control).toHaveAttribute('aria-checked', command.value === true ? /false|mixed/ : 'true');
          await control.click();
          break;
        default:
          throw new Error(`${file}: the operated control is ${kind ?? 'missing'}; pick a settable one`);
      }
      const sent = (): string[] =>
        hf.stack.broker.publishes
          .slice(before)
          .filter((p) => !BACKGROUND(p.topic))
          .map((p) => `${p.topic} ${p.payload}`);
      await expect.poll(sent).toContainEqual(`${command.topic} ${command.payload}`);
      await hf.settle();
      // Exactly the fixture's command, once, and nothing else for this device.
      expect(sent()).toEqual([`${command.topic} ${command.payload}`]);
      await expect(page.getByText(/^(Rejected|Not sent)/)).toHaveCount(0);
    });
  }
});
