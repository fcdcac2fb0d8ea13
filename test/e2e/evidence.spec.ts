// The evidence rules (src/model/plan.ts) on devices that do not replay their
// state, and on values nobody has reported:
//   - an edit made on this session over an unknown value is sent and confirmed;
//   - an edit queued offline for a device that can be asked (Zigbee2MQTT /get)
//     is checked by asking, then sent or discarded on the answer;
//   - one for a device that can neither be asked nor replays its state waits for
//     the operator's explicit Send anyway (recorded with their name) or Dismiss;
//   - an incomplete retained replay is counted and explained.
//
// Devices (sim/stack.ts, extraDevices): studio-light (Zigbee2MQTT, state not
// retained, /get), tasmota-plug ("Desk plug": Tasmota through HA discovery, not
// retained, asked with an empty State), garden-pump (ESPHome through HA
// discovery with retain off, no way to ask), and the VP4 (Homie 5, retained).

import { deviceValue, expect, expectConnected, goOffline, mqttPublisher, saveOperatorName, selectDevice, setNumber, test, undoToast, type Console } from './harness.js';

const BULB = 'zigbee2mqtt/Studio light';
const TASMOTA = 'cmnd/tasmota_5F2A1C';
const PUMP_SWITCH = 'garden-pump/switch/pump/command';
const PUMP_RUN_TIME = 'garden-pump/number/run_time/command';

/** Everything the console published to these topics, in order. */
function published(hf: Console, ...topics: string[]): string[] {
  return hf.stack.broker.publishes.filter((p) => topics.includes(p.topic)).map((p) => `${p.topic} ${p.payload}`);
}

function extra(hf: Console, id: string): Record<string, unknown> {
  return hf.stack.extraDevices.get(id)!.snapshot();
}

test.describe('evidence: non-retained devices and unknown values', () => {
  test.use({ extraDevices: true });

  test('never-reported values show as unknown, and an edit made on this session over one is sent once and confirmed', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);

    await selectDevice(page, 'Studio light');
    const region = page.getByRole('region', { name: 'Studio light' });
    // Its state is not retained and it has not changed since the console connected: nothing is known.
    const state = region.getByRole('switch', { name: 'State' });
    await expect(state).toHaveAttribute('aria-checked', 'mixed');
    await expect(state).toHaveText('Unknown');
    const powerOn = region.getByRole('combobox', { name: 'Power-on behavior' });
    await expect(powerOn.getByRole('option', { selected: true })).toHaveText('Unknown');
    await expect(powerOn).toHaveValue('');
    const brightness = region.getByRole('spinbutton', { name: 'Brightness' });
    await expect(brightness).toHaveValue('');
    await expect(region.getByRole('status', { name: 'Studio light status received' })).toContainText('0 of 5 settings reported on this connection; the others report only when they change');

    // Seen unknown, on this session: nothing contradicts what the operator saw, so it is sent. A tap on Unknown sets it on.
    await state.click();
    await expect(undoToast(page, 'State')).toHaveText(/^\s*State is ON \(confirmed\)/);
    await expect(state).toHaveAttribute('aria-checked', 'true');
    expect(extra(hf, 'studio-light')['state']).toBe(true);
    // Zigbee2MQTT answered with the bulb's whole state: the rest is known now too.
    await expect(brightness).toHaveValue('180');

    // A device that cannot be asked at all: the same rule, the same outcome.
    await selectDevice(page, 'Garden pump');
    const pump = page.getByRole('region', { name: 'Garden pump' }).getByRole('switch', { name: 'Garden pump Pump' });
    await expect(pump).toHaveAttribute('aria-checked', 'mixed');
    await expect(page.getByRole('spinbutton', { name: 'Garden pump Run time' })).toHaveValue('');
    await pump.click();
    await expect(undoToast(page, 'Garden pump Pump')).toHaveText(/^\s*Garden pump Pump is On \(confirmed\)/);
    await expect(pump).toHaveAttribute('aria-checked', 'true');
    expect(extra(hf, 'garden-pump')['pump']).toBe(true);
    const runTime = page.getByRole('spinbutton', { name: 'Garden pump Run time' });
    await setNumber(page, 'Garden pump Run time', 45);
    await expect(undoToast(page, 'Garden pump Run time')).toHaveText(/^\s*Garden pump Run time is 45 min \(confirmed\)/);
    await expect(runTime).toHaveValue('45');
    expect(extra(hf, 'garden-pump')['run_time']).toBe(45);

    // And the Tasmota plug, through Home Assistant discovery: unknown until it reports.
    await selectDevice(page, 'Desk plug');
    await expect(page.getByRole('switch', { name: 'Desk plug Desk plug' })).toHaveAttribute('aria-checked', 'mixed');

    await hf.settle();
    expect(published(hf, `${BULB}/set`)).toEqual([`${BULB}/set {"state":"ON"}`]);
    expect(published(hf, PUMP_SWITCH, PUMP_RUN_TIME)).toEqual([`${PUMP_SWITCH} ON`, `${PUMP_RUN_TIME} 45`]);
    // Nothing needed asking: every edit was made on the session it was judged in.
    expect(published(hf, `${BULB}/get`)).toEqual([]);
  });

  test('an edit queued offline for the Zigbee2MQTT bulb is checked by asking it, and sent because the answer matches what the operator saw', async ({ page, hf }) => {
    await hf.open(page, '&backoffMaxMs=1000');
    await expectConnected(page);
    await selectDevice(page, 'Studio light');
    const brightness = page.getByRole('spinbutton', { name: 'Brightness' });
    // Someone at the wall switch dims it: the console hears that live.
    expect(hf.stack.setFromPanel('studio-light', 'brightness', 100)).toMatchObject({ ok: true });
    await expect(brightness).toHaveValue('100');

    await goOffline(page, hf);
    await setNumber(page, 'Brightness', 150);
    await expect(undoToast(page, 'Brightness')).toContainText('Queued: Brightness → 150');
    hf.proxy.pass();
    await expectConnected(page);

    await expect.poll(() => extra(hf, 'studio-light')['brightness']).toBe(150);
    await expect(brightness).toHaveValue('150');
    await hf.settle();
    // Its state is not retained, so the reconnect told nothing: it was asked, answered 100, and only then sent.
    expect(published(hf, `${BULB}/get`, `${BULB}/set`)).toEqual([`${BULB}/get {"brightness":""}`, `${BULB}/set {"brightness":150}`]);
  });

  test('an edit queued offline for the Zigbee2MQTT bulb is discarded when asking shows the hardware changed meanwhile', async ({ page, hf }) => {
    await hf.open(page, '&backoffMaxMs=1000');
    await expectConnected(page);
    await selectDevice(page, 'Studio light');
    const brightness = page.getByRole('spinbutton', { name: 'Brightness' });
    expect(hf.stack.setFromPanel('studio-light', 'brightness', 100)).toMatchObject({ ok: true });
    await expect(brightness).toHaveValue('100');

    await goOffline(page, hf);
    await setNumber(page, 'Brightness', 150);
    await expect(undoToast(page, 'Brightness')).toContainText('Queued: Brightness → 150');
    // The wall switch again, while the console is away: nobody hears it (not retained).
    expect(hf.stack.setFromPanel('studio-light', 'brightness', 60)).toMatchObject({ ok: true });
    hf.proxy.pass();
    await expectConnected(page);

    const card = page.getByRole('group', { name: 'Not sent: Brightness' });
    await expect(card).toBeVisible({ timeout: 15_000 });
    await expect(card).toContainText('was 100 when you edited');
    await expect(card).toContainText('you set 150');
    await expect(card).toContainText('device is now 60');
    await expect(brightness).toHaveValue('60');
    await hf.settle();
    expect(published(hf, `${BULB}/get`, `${BULB}/set`)).toEqual([`${BULB}/get {"brightness":""}`]);
    expect(extra(hf, 'studio-light')['brightness']).toBe(60);
  });

  test('an edit queued offline for the Tasmota plug is checked with an empty State command, and sent on a matching answer', async ({ page, hf }) => {
    await hf.open(page, '&backoffMaxMs=1000');
    await expectConnected(page);
    await selectDevice(page, 'Desk plug');
    const plug = page.getByRole('switch', { name: 'Desk plug Desk plug' });
    // The button on the plug: Tasmota publishes tele/STATE on the change (not retained), and the console hears it live.
    expect(hf.stack.setFromPanel('tasmota-plug', 'POWER', false)).toMatchObject({ ok: true });
    await expect(plug).toHaveAttribute('aria-checked', 'false');

    await goOffline(page, hf);
    await plug.click();
    await expect(undoToast(page, 'Desk plug Desk plug')).toContainText('Queued: Desk plug Desk plug → On');
    hf.proxy.pass();
    await expectConnected(page);

    await expect.poll(() => extra(hf, 'tasmota-plug')['POWER']).toBe(true);
    await expect(plug).toHaveAttribute('aria-checked', 'true');
    await hf.settle();
    expect(published(hf, `${TASMOTA}/STATE`, `${TASMOTA}/POWER`)).toEqual([`${TASMOTA}/STATE `, `${TASMOTA}/POWER ON`]);
  });

  test('an offline edit for a device that cannot be asked and does not replay waits for Send anyway (recorded by name) or Dismiss', async ({ page, hf }) => {
    await hf.open(page, '&backoffMaxMs=1000');
    await expectConnected(page);
    await saveOperatorName(page, 'Dana');
    await selectDevice(page, 'Garden pump');
    const region = page.getByRole('region', { name: 'Garden pump' });
    const pump = region.getByRole('switch', { name: 'Garden pump Pump' });
    const runTime = region.getByRole('spinbutton', { name: 'Garden pump Run time' });
    // It reports when something changes at the pump: the operator sees Off and 30 min.
    expect(hf.stack.setFromPanel('garden-pump', 'pump', false)).toMatchObject({ ok: true });
    expect(hf.stack.setFromPanel('garden-pump', 'run_time', 30)).toMatchObject({ ok: true });
    await expect(pump).toHaveAttribute('aria-checked', 'false');
    await expect(runTime).toHaveValue('30');

    await goOffline(page, hf);
    await pump.click();
    await expect(undoToast(page, 'Garden pump Pump')).toContainText('Queued: Garden pump Pump → On');
    await setNumber(page, 'Garden pump Run time', 45);
    await expect(undoToast(page, 'Garden pump Run time')).toContainText('Queued: Garden pump Run time → 45');
    hf.proxy.pass();
    await expectConnected(page);

    // Nothing replays its state and nothing can ask it: Holdfast does not guess.
    const unverified = region.getByText(/^Not sent yet: .*cannot check it/);
    await expect(unverified).toHaveCount(2, { timeout: 15_000 });
    await expect(region.getByText('Not sent yet: Garden pump does not report Garden pump Pump unless it changes, so Holdfast cannot check it. Send anyway, or dismiss it.')).toBeVisible();
    await expect(region.getByRole('button', { name: 'Send anyway', exact: true })).toHaveCount(2);
    await expect(region.getByRole('button', { name: 'Dismiss', exact: true })).toHaveCount(2);
    await hf.settle();
    expect(published(hf, PUMP_SWITCH, PUMP_RUN_TIME)).toEqual([]);

    await page.getByRole('button', { name: /^Outbox/ }).click();
    await page.getByRole('button', { name: 'Send Garden pump Pump anyway' }).click();
    await expect.poll(() => extra(hf, 'garden-pump')['pump']).toBe(true);
    await expect(pump).toHaveAttribute('aria-checked', 'true');
    await page.getByRole('button', { name: 'Dismiss Garden pump Run time' }).click();
    await expect(region.getByText(/^Not sent yet:/)).toHaveCount(0);
    await expect(runTime).toHaveValue('30');

    await hf.settle();
    expect(published(hf, PUMP_SWITCH, PUMP_RUN_TIME)).toEqual([`${PUMP_SWITCH} ON`]);
    expect(extra(hf, 'garden-pump')['run_time']).toBe(30);

    await page.getByRole('button', { name: 'Traffic log' }).click();
    const log = page.getByRole('list', { name: 'Messages' });
    await expect(log).toContainText(`OUT ${PUMP_SWITCH} ON`);
    await expect(log).toContainText('Send anyway by Dana');
    await expect(log).not.toContainText(`OUT ${PUMP_RUN_TIME}`);
  });
});

test.describe('evidence: an incomplete retained replay', () => {
  test('a retained status that the broker lost is counted, explained, and an edit of it is not sent unchecked', async ({ page, hf }) => {
    await hf.open(page, '&backoffMaxMs=1000');
    await expectConnected(page);
    const phaseV = page.getByRole('spinbutton', { name: 'Genlock phase V' });
    await expect(phaseV).toHaveValue('0');
    const completeness = page.getByRole('status', { name: 'VP4 Video Processor status received' });
    await expect(completeness).toHaveCount(0);

    await goOffline(page, hf);
    await setNumber(page, 'Genlock phase V', 12);
    await expect(undoToast(page, 'Genlock phase V')).toContainText('Queued: Genlock phase V → 12 °');
    // While the console is away the broker loses one retained status (as a full per-client queue would drop it).
    const publisher = await mqttPublisher(hf.stack);
    try {
      await publisher.clearRetained('homie/5/vp4/genlock/phase-v');
    } finally {
      await publisher.close();
    }
    hf.proxy.pass();
    await expectConnected(page);

    await expect(completeness).toContainText('5 of 6 settings reported on this connection', { timeout: 15_000 });
    await expect(completeness).toContainText('1 that the broker should keep did not arrive: the broker may have dropped retained messages');
    await expect(completeness).toContainText("max_queued_messages");
    await expect(page.getByText('Not sent yet: VP4 Video Processor did not report Genlock phase V after reconnecting (the broker may have dropped its retained status), so Holdfast cannot check it. Send anyway, or dismiss it.')).toBeVisible();
    await hf.settle();
    expect(hf.sets('genlock/phase-v')).toEqual([]);
    expect(deviceValue(hf.stack, 'genlock/phase-v')).toBe(0);
  });
});
