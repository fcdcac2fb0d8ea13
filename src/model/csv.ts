/**
 * CSV for exports that operators open in spreadsheets (the audit, the alarm
 * history). RFC 4180: fields separated by commas, records by CRLF, a field
 * with a comma, quote, CR or LF is quoted and its quotes doubled.
 *
 * Spreadsheet safety: text from devices and operators (device names, enum
 * values, operator names) must never become a formula. A text cell starting
 * with `=`, `+`, `-`, `@`, a tab or a CR (or their full-width forms, which
 * some spreadsheets also read as formula starts) gets a leading `'`, as
 * OWASP's CSV-injection guidance says. Numbers the console itself produced
 * are written as numbers (`-25` stays a number).
 */

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field, neutralised and quoted as needed. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'number') text = Number.isFinite(value) ? String(value) : '';
  else if (typeof value === 'boolean') text = value ? 'true' : 'false';
  else text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',');
}

/**
 * A whole file: a header record, then one record per row, each ended by
 * CRLF. It starts with a UTF-8 byte order mark so spreadsheets read "°" and
 * names in any script correctly.
 */
export function csvDocument(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return '\uFEFF' + [header, ...rows].map((r) => csvRecord(r) + '\r\n').join('');
}

/** Parse a document written by csvDocument (RFC 4180), for tests and re-import. */
export function parseCsv(text: string): string[][] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && src[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
    i++;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
