/**
 * The audit of edits: records merged from the page's and the host's writes
 * (in any order), what they hold for the incident's discarded edit, the
 * PUBACK, taps, bounds (30 days or 50,000, whichever is smaller) and the
 * exports, against fake-indexeddb.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_CSV_COLUMNS, AUDIT_MAX_AGE_MS, AUDIT_MAX_ENTRIES, auditCsv, mergeAudit, pubackOf, type AuditRecord, type AuditStamp, type AuditUpdate } from '../../src/model/audit.js';
import { parseCsv } from '../../src/model/csv.js';
import type { OutboxEntry } from '../../src/model/types.js';
import { AuditStore, DEFAULT_AUDIT_LIMITS } from '../../src/store/audit.js';
import { HoldfastDb } from '../../src/store/db.js';
import { base, entry } from '../support/model-fixtures.js';

let n = 0;
const dbs: HoldfastDb[] = [];
function db(): HoldfastDb {
  const d = new HoldfastDb(`audit-unit-${process.pid}-${++n}`);
  dbs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
});

const dana: AuditStamp = { operator: 'Dana', console: 'holdfast', tab: 'ab12cd34' };
const DAY = 86_400_000;

/** The incident's life: queued offline at 22, judged on reconnect against -25, discarded. */
function incident(): { page: AuditUpdate; host: AuditUpdate[] } {
  const queued = entry({ cmdId: 'inc', desired: 25, base: { value: 22, receivedAt: 1000, session: 'h-1', renderedIn: null }, createdAt: 4000, updatedAt: 4000 });
  const discarded: OutboxEntry = { ...queued, state: 'discarded', fresh: -25, reason: { code: 'device-changed', now: -25 }, updatedAt: 9000 };
  return {
    page: { entry: queued, stamp: dana, names: { device: 'VP4 Video Processor', property: 'Genlock phase H' } },
    host: [{ entry: discarded, names: { device: 'VP4 Video Processor', property: 'Genlock phase H' }, deviceValue: { value: -25, at: 8800 } }],
  };
}

describe('audit records', () => {
  it('hold the incident-style discarded edit: who, base and its age, desired, each state, the device value', () => {
    const { page, host } = incident();
    let r: AuditRecord | undefined;
    for (const u of [page, ...host]) r = mergeAudit(r, u);
    expect(r).toMatchObject({
      cmdId: 'inc',
      operator: 'Dana',
      console: 'holdfast',
      tab: 'ab12cd34',
      deviceName: 'VP4 Video Processor',
      propertyName: 'Genlock phase H',
      base: { value: 22, receivedAt: 1000 },
      baseAgeMs: 3000,
      desired: 25,
      state: 'discarded',
      reason: 'device-changed',
      deviceValue: { value: -25, at: 8800 },
      echo: null,
      puback: null,
    });
    expect(r!.steps.map((s) => [s.state, s.at])).toEqual([
      ['queued', 4000],
      ['discarded', 9000],
    ]);
  });

  it('come out the same whichever writer commits first, however often a version is written', () => {
    const queued = entry({ cmdId: 'x', desired: 5, createdAt: 100, updatedAt: 100 });
    const versions: AuditUpdate[] = [
      { entry: queued, stamp: dana },
      { entry: { ...queued, desired: 7, updatedAt: 150 }, stamp: dana },
      { entry: { ...queued, desired: 7, state: 'sending', attempts: 1, lastAttemptAt: 200, updatedAt: 200 } },
      { entry: { ...queued, desired: 7, state: 'sent', attempts: 1, noSubscribersOn: 'homie/5/vp4/genlock/phase-h/set', updatedAt: 250 } },
      { entry: { ...queued, desired: 7, state: 'confirmed', attempts: 1, reason: { code: 'confirmed-by-echo' }, updatedAt: 300 }, echo: { value: 7, at: 299 } },
      { entry: { ...queued, desired: 7, state: 'confirmed', attempts: 1, reason: { code: 'confirmed-by-echo' }, updatedAt: 300 }, tap: { ...dana, kind: 'dismiss', at: 400 } },
    ];
    const merge = (us: readonly AuditUpdate[]) => us.reduce<AuditRecord | undefined>((r, u) => mergeAudit(r, u), undefined)!;
    const reference = merge(versions);
    expect(reference).toMatchObject({ desired: 7, state: 'confirmed', echo: { value: 7, at: 299 }, puback: { code: 0x10, at: 250 }, operator: 'Dana' });
    expect(reference.steps.map((s) => s.state)).toEqual(['queued', 'queued', 'sending', 'sent', 'confirmed']);
    expect(reference.steps.map((s) => s.desired)).toEqual([5, 7, 7, 7, 7]);
    fc.assert(
      fc.property(fc.shuffledSubarray(versions, { minLength: versions.length, maxLength: versions.length }), fc.array(fc.integer({ min: 0, max: versions.length - 1 }), { maxLength: 4 }), (order, repeats) => {
        const withRepeats = [...order, ...repeats.map((i) => versions[i]!)];
        expect(merge(withRepeats)).toEqual(reference);
      }),
      { numRuns: 500 },
    );
  });

  it('record the PUBACK reason the entry implies', () => {
    expect(pubackOf(entry({ state: 'sent', updatedAt: 5 }))).toEqual({ code: 0, at: 5 });
    expect(pubackOf(entry({ state: 'sent-unconfirmable', noSubscribersOn: 't', updatedAt: 5 }))).toEqual({ code: 0x10, at: 5 });
    expect(pubackOf(entry({ state: 'rejected', reason: { code: 'not-authorized', topic: 't' }, updatedAt: 6 }))).toEqual({ code: 0x87, at: 6 });
    expect(pubackOf(entry({ state: 'rejected', reason: { code: 'broker-refused', reasonCode: 0x97 }, updatedAt: 6 }))).toEqual({ code: 0x97, at: 6 });
    expect(pubackOf(entry({ state: 'rejected', reason: { code: 'cannot-encode', detail: 'x' } }))).toBeNull();
    expect(pubackOf(entry({ state: 'confirmed' }))).toBeNull();
  });

  it('keep the operator\'s taps with who, when and where, and what a Re-apply made', () => {
    const old = entry({ cmdId: 'old', state: 'discarded', fresh: -25, dismissed: true, updatedAt: 10 });
    const r = mergeAudit(mergeAudit(undefined, { entry: old, stamp: dana }), { entry: old, tap: { ...dana, kind: 're-apply', at: 11, newCmdId: 'new' } });
    expect(r.taps).toEqual([{ operator: 'Dana', console: 'holdfast', tab: 'ab12cd34', kind: 're-apply', at: 11, newCmdId: 'new' }]);
    const follow = mergeAudit(undefined, { entry: entry({ cmdId: 'new', base: base(-25, 's1') }), stamp: dana, follows: { cmdId: 'old', kind: 're-apply' } });
    expect(follow.follows).toEqual({ cmdId: 'old', kind: 're-apply' });
  });
});

describe('audit CSV', () => {
  it('lists the documented columns and neutralises hostile device and operator names', () => {
    const { page, host } = incident();
    const hostile = { ...page, stamp: { ...dana, operator: '=HYPERLINK("http://evil")' }, names: { device: '=cmd|\' /C calc\'!A0', property: '@SUM(A1)' } };
    const r = [hostile, ...host.map((h) => ({ ...h, names: { device: '+1+1', property: '-1-1' } }))].reduce<AuditRecord | undefined>((acc, u) => mergeAudit(acc, u), undefined)!;
    const rows = parseCsv(auditCsv([r]));
    expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    const row = Object.fromEntries(AUDIT_CSV_COLUMNS.map((c, i) => [c, rows[1]![i]]));
    expect(row['operator']).toBe(`'=HYPERLINK("http://evil")`);
    expect(row['device_name']).toBe("'+1+1");
    expect(row['setting']).toBe("'-1-1");
    expect(row).toMatchObject({ base_value: '22', desired: '25', device_value: '-25', state: 'discarded', reason: 'device-changed', base_age_s: '3' });
    for (const cell of rows[1]!) expect(/^[=+\-@\t\r]/.test(cell) && !/^-?\d/.test(cell)).toBe(false);
  });
});

describe('AuditStore', () => {
  it('defaults to 30 days or 50,000 entries', () => {
    expect(DEFAULT_AUDIT_LIMITS).toEqual({ maxAgeMs: 30 * DAY, maxEntries: 50_000 });
    expect(AUDIT_MAX_AGE_MS).toBe(30 * DAY);
    expect(AUDIT_MAX_ENTRIES).toBe(50_000);
  });

  it('merges the page\'s and the host\'s writes into one record per entry', async () => {
    const store = new AuditStore(db());
    const { page, host } = incident();
    await Promise.all([store.apply(host), store.apply([page])]);
    const r = await store.get('inc');
    expect(r).toMatchObject({ operator: 'Dana', state: 'discarded', base: { value: 22 }, desired: 25, deviceValue: { value: -25 } });
  });

  it('prunes past 30 days, and beyond the entry limit the oldest first, whichever is smaller', async () => {
    const now = 100 * DAY;
    const store = new AuditStore(db(), { maxAgeMs: 30 * DAY, maxEntries: 5 });
    const ages = [40, 31, 29, 20, 10, 5, 3, 2, 1];
    await store.apply(ages.map((d, i) => ({ entry: entry({ cmdId: `e${i}`, createdAt: now - d * DAY, updatedAt: now - d * DAY }) })));
    expect(await store.prune(now)).toBe(4);
    const kept = (await store.query({}, Infinity)).map((r) => r.cmdId).sort();
    // 40 and 31 days are too old; of the 7 left, the 5 newest stay.
    expect(kept).toEqual(['e4', 'e5', 'e6', 'e7', 'e8']);
    // Only the age bound bites when there are few.
    const roomy = new AuditStore(db(), { maxAgeMs: 30 * DAY, maxEntries: 50_000 });
    await roomy.apply(ages.map((d, i) => ({ entry: entry({ cmdId: `e${i}`, createdAt: now - d * DAY, updatedAt: now - d * DAY }) })));
    expect(await roomy.prune(now)).toBe(2);
  });

  it('filters by time range, device and operator, newest first, and exports oldest first', async () => {
    const store = new AuditStore(db());
    const mk = (cmdId: string, at: number, deviceId: string, operator: string): AuditUpdate => ({ entry: entry({ cmdId, deviceId, createdAt: at, updatedAt: at }), stamp: { ...dana, operator } });
    await store.apply([mk('a', 1000, 'homie5:vp4', 'Dana'), mk('b', 2000, 'homie5:vp4', 'Sam'), mk('c', 3000, 'ha:fan', 'Dana'), mk('d', 4000, 'homie5:vp4', '')]);
    expect((await store.query({})).map((r) => r.cmdId)).toEqual(['d', 'c', 'b', 'a']);
    expect((await store.query({ from: 1500, to: 3500 })).map((r) => r.cmdId)).toEqual(['c', 'b']);
    expect((await store.query({ deviceId: 'homie5:vp4', operator: 'Dana' })).map((r) => r.cmdId)).toEqual(['a']);
    expect((await store.query({ operator: '' })).map((r) => r.cmdId)).toEqual(['d']);
    // The limit takes the newest that match, the operator's filter applied before it.
    expect((await store.query({}, 2)).map((r) => r.cmdId)).toEqual(['d', 'c']);
    expect((await store.query({ operator: 'Dana' }, 1)).map((r) => r.cmdId)).toEqual(['c']);
    expect((await store.query({ deviceId: 'homie5:vp4' }, 2)).map((r) => r.cmdId)).toEqual(['d', 'b']);
    expect(await store.operators()).toEqual(['', 'Dana', 'Sam']);
    const json = JSON.parse(await store.export({ deviceId: 'homie5:vp4' }, 'json')) as { format: string; records: AuditRecord[] };
    expect(json.format).toBe('holdfast-audit');
    expect(json.records.map((r) => r.cmdId)).toEqual(['a', 'b', 'd']);
    const csv = parseCsv(await store.export({}, 'csv'));
    expect(csv.slice(1).map((r) => r[0])).toEqual(['a', 'b', 'c', 'd']);
  });
});
