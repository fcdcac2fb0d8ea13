// The baseline: the same mqtt.js browser bundle Holdfast ships, subscribed to
// the same filters, doing nothing with a message but counting it.
import mqtt from '/mqtt.esm.js';

const raw = {
  longtasks: [],
  connectedAt: null,
  retained: 0,
  lastRetainedAt: null,
  live: 0,
  firstLiveAt: null,
  lastLiveAt: null,
  client: null,

  reset() {
    this.retained = this.live = 0;
    this.lastRetainedAt = this.firstLiveAt = this.lastLiveAt = null;
  },

  /** Connect and subscribe; resolves on SUBACK. Counting starts at CONNACK. */
  connect(url, filters) {
    this.reset();
    return new Promise((resolve, reject) => {
      const client = mqtt.connect(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0, clientId: `raw-${Math.random().toString(16).slice(2, 10)}` });
      this.client = client;
      client.on('message', (_topic, _payload, packet) => {
        const t = performance.now();
        if (packet.retain) {
          this.retained++;
          this.lastRetainedAt = t;
        } else {
          this.live++;
          this.firstLiveAt ??= t;
          this.lastLiveAt = t;
        }
      });
      client.on('connect', () => {
        this.connectedAt = performance.now();
        client.subscribe(filters, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
      });
      client.on('error', reject);
    });
  },

  end() {
    return new Promise((resolve) => (this.client ? this.client.end(true, {}, () => resolve()) : resolve()));
  },

  /**
   * The recovery baseline: bare mqtt.js as an app would use it, with its own
   * reconnect at the default reconnectPeriod (1 s) and resubscribe (on), and
   * nothing else. Epoch times of each CONNACK, SUBACK and close.
   */
  recovery: { connects: [], subacks: [], closes: [] },
  connectWithReconnect(url, filters) {
    const client = mqtt.connect(url, { protocolVersion: 4, clean: true, clientId: `raw-recovery-${Math.random().toString(16).slice(2, 10)}` });
    this.client = client;
    const epoch = () => performance.timeOrigin + performance.now();
    client.on('connect', () => this.recovery.connects.push(epoch()));
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'suback') this.recovery.subacks.push(epoch());
    });
    client.on('close', () => this.recovery.closes.push(epoch()));
    client.on('error', () => undefined);
    client.subscribe(filters, { qos: 1 });
  },
};
window.__raw = raw;

try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) raw.longtasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // No Long Tasks API: the report says so.
}
