// The console's languages (lit-localize, runtime mode):
//
//   npm run i18n            extract every msg() into xliff/<locale>.xlf (keeping translations),
//                           regenerate the pseudo-locale, build src/i18n/generated/<locale>.ts
//   npm run i18n -- check   fail if a message has no translation, or the generated modules are
//                           out of date with the source (CI runs this)
//
// xliff/de.xlf is where German lives: a translator fills each <target>. The pseudo-locale
// (en-XA) is generated: every message wrapped in ⟦…⟧ with accented letters, so a screen shown
// in it reveals any text that did not go through msg() (test/e2e/languages.spec.ts).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dictionaryKey, units, type Unit } from './xliff.js';

const CONFIG = JSON.parse(readFileSync('lit-localize.json', 'utf8')) as { targetLocales: string[]; output: { outputDir: string } };
export const PSEUDO_LOCALE = 'en-XA';
const TRANSLATED = CONFIG.targetLocales.filter((l) => l !== PSEUDO_LOCALE);

function litLocalize(command: 'extract' | 'build', config = 'lit-localize.json'): string {
  return execFileSync('npx', ['lit-localize', command, '--config', config], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Which messages of these source files a dictionary does not translate yet, without touching xliff/
 * (so several people can work on different files at once).
 */
function coverage(dictionary: string, files: readonly string[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'hf-i18n-'));
  try {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: resolve('tsconfig.json'), include: files.map((f) => resolve(f)) }));
    writeFileSync(join(dir, 'lit-localize.json'), JSON.stringify({ sourceLocale: 'en', targetLocales: ['de'], tsConfig: join(dir, 'tsconfig.json'), output: { mode: 'runtime', outputDir: join(dir, 'out') }, interchange: { format: 'xliff', xliffDir: join(dir, 'xliff') } }));
    litLocalize('extract', join(dir, 'lit-localize.json'));
    const dict = JSON.parse(readFileSync(dictionary, 'utf8')) as Record<string, string>;
    const keys = units(readFileSync(join(dir, 'xliff', 'de.xlf'), 'utf8')).map((u) => dictionaryKey(u.source));
    const missingKeys = keys.filter((k) => !(k in dict));
    const unused = Object.keys(dict).filter((k) => !keys.includes(k));
    console.log(`i18n: ${keys.length} messages in ${files.length} file(s); ${missingKeys.length} not in ${dictionary}; ${unused.length} dictionary entries match no message`);
    for (const k of missingKeys) console.log(`  missing: ${JSON.stringify(k)}`);
    for (const k of unused) console.log(`  unused: ${JSON.stringify(k)}`);
    if (missingKeys.length > 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ACCENTED: Record<string, string> = {
  a: 'á', b: 'ƀ', c: 'ç', d: 'ð', e: 'é', f: 'ƒ', g: 'ĝ', h: 'ĥ', i: 'í', j: 'ĵ', k: 'ķ', l: 'ļ', m: 'ɱ',
  n: 'ñ', o: 'ö', p: 'þ', q: 'ǫ', r: 'ŕ', s: 'š', t: 'ţ', u: 'ü', v: 'ṽ', w: 'ŵ', x: 'ẋ', y: 'ý', z: 'ž',
  A: 'Á', B: 'Ɓ', C: 'Ç', D: 'Ð', E: 'É', F: 'Ƒ', G: 'Ĝ', H: 'Ĥ', I: 'Í', J: 'Ĵ', K: 'Ķ', L: 'Ļ', M: 'Ṁ',
  N: 'Ñ', O: 'Ö', P: 'Þ', Q: 'Ǫ', R: 'Ŕ', S: 'Š', T: 'Ţ', U: 'Ü', V: 'Ṽ', W: 'Ŵ', X: 'Ẋ', Y: 'Ý', Z: 'Ž',
};

/** The pseudo translation of a source: letters accented, placeholders, tags and entities kept, wrapped in ⟦…⟧. */
export function pseudo(source: string): string {
  const parts = source.split(/(<x [^>]*\/>|&[a-zA-Z]+;|&#\d+;)/);
  const body = parts.map((p, i) => (i % 2 === 1 ? p : p.replace(/[a-zA-Z]/g, (c) => ACCENTED[c] ?? c))).join('');
  return `⟦${body}⟧`;
}

function withTarget(u: Unit, target: string): string {
  const inner = u.raw.replace(/\s*<target>[\s\S]*?<\/target>/, '');
  return inner.replace(/<\/source>/, `</source>\n  <target>${target}</target>`);
}

function writePseudo(): void {
  const file = `xliff/${PSEUDO_LOCALE}.xlf`;
  let xliff = readFileSync(file, 'utf8');
  for (const u of units(xliff)) xliff = xliff.replace(u.raw, withTarget(u, pseudo(u.source)));
  writeFileSync(file, xliff);
}

function missing(locale: string): Unit[] {
  return units(readFileSync(`xliff/${locale}.xlf`, 'utf8')).filter((u) => u.target === null || u.target.trim() === '');
}

function generated(): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of CONFIG.targetLocales) out.set(l, readFileSync(`${CONFIG.output.outputDir}/${l}.ts`, 'utf8'));
  return out;
}

function encode(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Fill missing targets of `locale` from dictionaries ({ "English {0}": "Deutsch {0}" } JSON files):
 * placeholders go back to the source's own <x/> elements, by number.
 */
function fill(locale: string, files: readonly string[]): void {
  const dict = new Map<string, string>();
  for (const f of files) for (const [k, v] of Object.entries(JSON.parse(readFileSync(f, 'utf8')) as Record<string, string>)) dict.set(k, v);
  const file = `xliff/${locale}.xlf`;
  let xliff = readFileSync(file, 'utf8');
  let filled = 0;
  const unknown: string[] = [];
  for (const u of units(xliff)) {
    if (u.target !== null && u.target.trim() !== '') continue;
    const key = dictionaryKey(u.source);
    const t = dict.get(key);
    if (t === undefined) {
      unknown.push(key);
      continue;
    }
    const xs = new Map([...u.source.matchAll(/<x id="(\d+)"[^>]*\/>/g)].map((m) => [m[1]!, m[0]]));
    const target = encode(t).replace(/\{(\d+)\}/g, (all, n: string) => xs.get(n) ?? all);
    xliff = xliff.replace(u.raw, withTarget(u, target));
    filled++;
  }
  writeFileSync(file, xliff);
  console.log(`i18n: ${locale}: filled ${filled}, still missing ${unknown.length}`);
  for (const k of unknown) console.log(`  missing: ${JSON.stringify(k)}`);
}

const command = process.argv[2] ?? 'update';
if (command === 'update') {
  process.stdout.write(litLocalize('extract'));
  writePseudo();
  process.stdout.write(litLocalize('build').replace(/^.*is missing, using canonical text as fallback\n/gm, ''));
  for (const l of TRANSLATED) {
    const m = missing(l);
    if (m.length > 0) console.log(`i18n: ${l}: ${m.length} message(s) without a translation yet (xliff/${l}.xlf)`);
  }
} else if (command === 'check') {
  const before = generated();
  const xliffBefore = CONFIG.targetLocales.map((l) => readFileSync(`xliff/${l}.xlf`, 'utf8'));
  litLocalize('extract');
  writePseudo();
  litLocalize('build');
  const problems: string[] = [];
  CONFIG.targetLocales.forEach((l, i) => {
    if (readFileSync(`xliff/${l}.xlf`, 'utf8') !== xliffBefore[i]) problems.push(`xliff/${l}.xlf is not up to date with the source: run npm run i18n and commit the result`);
  });
  for (const [l, text] of before) if (readFileSync(`${CONFIG.output.outputDir}/${l}.ts`, 'utf8') !== text) problems.push(`${CONFIG.output.outputDir}/${l}.ts is out of date: run npm run i18n`);
  for (const l of TRANSLATED) for (const u of missing(l)) problems.push(`${l}: no translation for "${u.source}" (${u.id})`);
  for (const p of problems) console.error(`i18n: ${p}`);
  if (problems.length > 0) process.exit(1);
  console.log(`i18n: ${units(readFileSync(`xliff/${TRANSLATED[0]}.xlf`, 'utf8')).length} messages, all translated in ${TRANSLATED.join(', ')}`);
} else if (command === 'coverage') {
  const [dictionary, ...files] = process.argv.slice(3);
  if (!dictionary || files.length === 0) throw new Error('usage: npm run i18n -- coverage <dictionary.json> <source.ts>…');
  coverage(dictionary, files);
} else if (command === 'fill') {
  const [locale, ...files] = process.argv.slice(3);
  if (!locale || files.length === 0) throw new Error('usage: npm run i18n -- fill <locale> <dictionary.json>…');
  fill(locale, files);
} else {
  console.error('usage: npm run i18n [-- update | check | fill <locale> <dictionary.json>…]');
  process.exit(2);
}
