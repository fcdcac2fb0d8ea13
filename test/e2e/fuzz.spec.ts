import type { ConsoleMessage, Page } from '@playwright/test';
import mqtt, { type MqttClient } from 'mqtt';
import { deviceValue, expect, expectConnected, importExampleMapping, setNumber, test, type Console } from './harness.js';

/**
 * Hostile broker data: anything with access to the broker can publish names,
 * values and descriptions. None of it may run as code, break the page, or
 * stop the operator from working the devices that behave.
 */


const IMG = `<img src=x onerror="window.__pwned=1">`;
const SCRIPT = `<script>window.__pwned=1</script>`;
const TEMPLATE = `{{constructor.constructor('window.__pwned=1')()}}`;
const JS_URL = `javascript:window.__pwned=1`;
/** 10,000 levels: deeper than a recursive parser's or serialiser's stack. */
const DEEP_ARRAY = '['.repeat(10_000) + ']'.repeat(10_000);
const DEEP_OBJECT = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
const ONE_MB = Buffer.alloc(1024 * 1024, 'A');
/** A lone continuation byte, an overlong "/" and a truncated sequence: none is UTF-8. */
const NOT_UTF8 = Buffer.from([0x80, 0x41, 0xc0, 0xaf, 0xe2, 0x82]);

const names = {
  h5Img: `${IMG} H5`,
  h5Script: `${SCRIPT} H5`,
  h5Template: `${TEMPLATE} H5`,
  h4: `${IMG} Homie 4`,
  ha: `${IMG} HA`,
} as const;

type Payload = string | Buffer;

/**
 * Console errors that have nothing to do with broker data. mqtt.js (timerVariant 'auto') runs its keepalive
 * timers in a blob: worker, which the page's CSP (worker-src 'self') refuses, once per connection. Reported
 * separately; remove this entry once the connection or the CSP is fixed.
 */
const UNRELATED_CONSOLE_ERRORS: readonly RegExp[] = [];

/** Retained device data a hostile or broken publisher leaves on the broker before the console connects. */
function retainedGarbage(): [string, Payload][] {
  const homie5 = (id: string, description: unknown): [string, Payload][] => [
    [`homie/5/${id}/$state`, 'ready'],
    [`homie/5/${id}/$description`, JSON.stringify(description)],
  ];
  return [
    ...homie5('xss-img', {
      homie: '5.0',
      version: 1,
      name: names.h5Img,
      nodes: {
        n: {
          name: SCRIPT,
          properties: {
            label: { name: TEMPLATE, datatype: 'string', settable: true },
            link: { name: JS_URL, datatype: 'string' },
            mode: { name: `Mode ${IMG}`, datatype: 'enum', format: `<b>a</b>,${IMG}`, settable: true },
            level: { name: 'Level', datatype: 'integer', format: '0:10', unit: SCRIPT, settable: true },
            big: { name: 'Big value', datatype: 'string' },
            bytes: { name: 'Bytes', datatype: 'string' },
            doc: { name: 'Nested document', datatype: 'json' },
          },
        },
      },
    }),
    ['homie/5/xss-img/n/label', SCRIPT],
    ['homie/5/xss-img/n/link', JS_URL],
    ['homie/5/xss-img/n/mode', '<b>a</b>'],
    ['homie/5/xss-img/n/level', IMG],
    ['homie/5/xss-img/n/big', ONE_MB],
    ['homie/5/xss-img/n/bytes', NOT_UTF8],
    ...homie5('xss-script', { homie: '5.0', version: 1, name: names.h5Script, nodes: {} }),
    ...homie5('xss-template', { homie: '5.0', version: 1, name: names.h5Template, nodes: { [TEMPLATE]: { properties: {} } } }),
    // Broken descriptions: each device gets its own error, nobody else is disturbed.
    ['homie/5/deep-array/$state', 'ready'],
    ['homie/5/deep-array/$description', DEEP_ARRAY],
    ['homie/5/deep-object/$description', DEEP_OBJECT],
    ['homie/5/bad-bytes/$description', NOT_UTF8],
    ['homie/5/huge-desc/$description', Buffer.concat([Buffer.from('{"name":"'), ONE_MB])],
    // A device id that is itself markup, with no description at all.
    [`homie/5/<img src=x onerror=window.__pwned=1>/$state`, 'ready'],
    // Homie 4, attribute by attribute.
    ['homie/evil4/$homie', '4.0.0'],
    ['homie/evil4/$name', names.h4],
    ['homie/evil4/$state', 'ready'],
    ['homie/evil4/$nodes', 'n'],
    ['homie/evil4/n/$name', SCRIPT],
    ['homie/evil4/n/$properties', 'p'],
    ['homie/evil4/n/p/$name', TEMPLATE],
    ['homie/evil4/n/p/$datatype', 'string'],
    ['homie/evil4/n/p/$settable', 'true'],
    ['homie/evil4/n/p', IMG],
    // Home Assistant discovery.
    [
      'homeassistant/number/xss/config',
      JSON.stringify({
        name: names.ha,
        unique_id: 'xss-ha',
        state_topic: 'xss-ha/state',
        command_topic: 'xss-ha/set',
        value_template: TEMPLATE,
        device: { identifiers: ['xss-ha'], name: names.ha, configuration_url: JS_URL, manufacturer: SCRIPT },
      }),
    ],
    ['xss-ha/state', IMG],
    [
      'homeassistant/select/xss2/config',
      JSON.stringify({ name: `Select ${SCRIPT}`, unique_id: 'xss-ha2', state_topic: 'xss-ha2/state', command_topic: 'xss-ha2/set', options: [IMG, JS_URL] }),
    ],
    ['xss-ha2/state', IMG],
    ['homeassistant/sensor/deep/config', DEEP_OBJECT],
    ['homeassistant/sensor/deeper/config', DEEP_ARRAY],
    ['homeassistant/switch/bytes/config', NOT_UTF8],
    ['homeassistant/sensor/huge/config', ONE_MB],
    // A state topic may be a filter (OpenMQTTGateway uses +); a command topic never can be.
    ['homeassistant/switch/wild/config', JSON.stringify({ name: 'Wildcard', unique_id: 'wild', state_topic: 'wild/state', command_topic: 'wild/#' })],
    ['homeassistant/device/bundle/config', JSON.stringify({ dev: { ids: ['bundle'], name: `${SCRIPT} bundle` }, o: { name: IMG }, cmps: { [IMG]: { p: 'sensor', name: TEMPLATE, stat_t: 'bundle/state' } } })],
  ];
}

/** Live garbage after the console is connected: oversize, undecodable and markup values on known devices. */
function liveGarbage(): [string, Payload][] {
  return [
    ['homie/5/xss-img/n/doc', DEEP_OBJECT],
    ['homie/5/xss-img/n/label', `${SCRIPT}${IMG}`],
    ['homie/evil4/n/p', ONE_MB],
    // The mapped device's real status topic, and look-alike topics nobody maps.
    ['cy-vp4/videoproc/status/volatile/genlock_phase', `${IMG} ${SCRIPT}`],
    ['cy-vp4/videoproc/status/config/output_format', ONE_MB],
    ['cy-vp4/videoproc/status/config/test_pattern', NOT_UTF8],
    [`cy-vp4/videoproc/status/volatile/${IMG}`, SCRIPT],
    ['cy-vp4/videoproc/status/volatile/genlock_phase/extra', DEEP_ARRAY],
  ];
}

async function publisher(hf: Console): Promise<MqttClient> {
  const url = hf.stack.brokerTcpUrl;
  if (!url) throw new Error('the stack has no TCP broker URL');
  // On Mosquitto only `device` may publish device status (the console's users are read-mostly).
  return mqtt.connectAsync(url, { ...hf.stack.broker.credentials('device'), clientId: `holdfast-fuzz-${Date.now().toString(36)}`, reconnectPeriod: 0 });
}

async function publishAll(client: MqttClient, messages: readonly [string, Payload][]): Promise<void> {
  for (const [topic, payload] of messages) await client.publishAsync(topic, payload, { qos: 1, retain: true });
}

async function selectDevice(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Devices' }).getByRole('button', { name }).click();
  await expect(page.getByRole('heading', { name, level: 2, exact: true })).toBeVisible();
}

test('hostile names, values and descriptions stay text, break nothing, and the VP4 stays usable', async ({ page, hf }) => {
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error' && !UNRELATED_CONSOLE_ERRORS.some((re) => re.test(msg.text()))) consoleErrors.push(msg.text());
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });

  const client = await publisher(hf);
  try {
    await publishAll(client, retainedGarbage());

    await hf.open(page);
    await expectConnected(page);
    // The legacy device's mapping, so garbage on its topics reaches its adapter.
    await importExampleMapping(page);

    const list = page.getByRole('navigation', { name: 'Devices' });
    // Markup in names is shown as the literal text.
    for (const name of Object.values(names)) await expect(list.getByRole('button', { name })).toBeVisible();
    await expect(list.getByRole('button', { name: 'homie5:<img src=x onerror=window.__pwned=1>' })).toBeVisible();
    // Broken descriptions are that device's own error.
    await expect(list.getByRole('button', { name: /^homie5:deep-array/ })).toContainText('Error: $description is not a JSON object');
    await expect(list.getByRole('button', { name: /^homie5:bad-bytes/ })).toContainText('Error: $description: payload is not valid UTF-8');
    await expect(list.getByRole('button', { name: /^homie5:huge-desc/ })).toContainText('Error: $description is not valid JSON');
    await expect(list.getByRole('button', { name: /^ha:sensor\/deeper/ })).toContainText('config is not a JSON object');
    await expect(list.getByRole('button', { name: /^ha:sensor\/huge/ })).toContainText('config is not valid JSON');
    await expect(list.getByRole('button', { name: /^ha:switch\/bytes/ })).toContainText('payload is not valid UTF-8');
    await expect(list.getByRole('button', { name: /^ha:wild/ })).toContainText('contains an MQTT wildcard');
    await expect(list.getByRole('button', { name: `${SCRIPT} bundle` })).toBeVisible();

    await publishAll(client, liveGarbage());

    await selectDevice(page, names.h5Img);
    await expect(page.getByRole('textbox', { name: TEMPLATE })).toHaveValue(`${SCRIPT}${IMG}`);
    await expect(page.getByRole('textbox', { name: JS_URL })).toHaveValue(JS_URL);
    await expect(page.getByRole('combobox', { name: `Mode ${IMG}` }).getByRole('option')).toHaveText(['<b>a</b>', IMG]);
    await expect(page.getByText('Bad value from the device: payload of 1048576 bytes is larger than 256 KB; not shown in full')).toBeVisible();
    await expect(page.getByText('Bad value from the device: payload is not valid UTF-8')).toBeVisible();
    await expect(page.getByText(`Bad value from the device: ${JSON.stringify(IMG)} is not a whole number`)).toBeVisible();
    // A JSON document nested 10,000 deep is shown as text, not walked.
    await expect(page.getByRole('textbox', { name: 'Nested document' })).toHaveValue(DEEP_OBJECT);
    // The unit is markup too.
    await expect(page.getByText(SCRIPT, { exact: true }).first()).toBeVisible();

    await selectDevice(page, names.h4);
    await expect(page.getByText('larger than 256 KB').first()).toBeVisible();

    await selectDevice(page, 'VP4 (legacy text protocol)');
    await expect(page.getByText('larger than 256 KB').first()).toBeVisible();

    await selectDevice(page, names.ha);
    // Shown with why and the template itself, as text (the reason names what the interpreter refused).
    await expect(page.getByText(/^template not supported \(.+\): /).filter({ hasText: TEMPLATE }).first()).toBeVisible();

    // The device that behaves is untouched and fully usable: an edit is sent once and confirmed by its echo.
    await selectDevice(page, 'VP4 Video Processor');
    const phaseH = page.getByRole('spinbutton', { name: 'Genlock phase H' });
    await expect(phaseH).toHaveValue('22');
    await setNumber(page, 'Genlock phase H', -17);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-h')).toBe(-17);
    await expect(phaseH).toHaveValue('-17');
    await expect(page.getByText(/Queued|Sending|waiting for the device/)).toHaveCount(0);
    await hf.settle();
    expect(hf.sets('genlock/phase-h').map((s) => s.payload)).toEqual(['-17']);

    // Nothing ran: no flag, no injected element, no dialog, no error of any kind.
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    await expect(page.locator('script', { hasText: '__pwned' })).toHaveCount(0);
    await expect(page.locator('a[href^="javascript:"]')).toHaveCount(0);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  } finally {
    await client.endAsync(true);
  }
});
