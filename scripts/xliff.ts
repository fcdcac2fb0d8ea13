// Reading XLIFF 1.2 as lit-localize writes it: shared by scripts/i18n.ts and the
// language tests (test/support/locale-text.ts).

export interface Unit {
  readonly id: string;
  readonly source: string;
  readonly target: string | null;
  /** The whole <trans-unit> element as written. */
  readonly raw: string;
}

const UNIT = /<trans-unit id="([^"]+)"[^>]*>([\s\S]*?)<\/trans-unit>/g;

export function units(xliff: string): Unit[] {
  return [...xliff.matchAll(UNIT)].map((m) => {
    const body = m[2]!;
    const source = /<source>([\s\S]*?)<\/source>/.exec(body)?.[1] ?? '';
    const target = /<target>([\s\S]*?)<\/target>/.exec(body)?.[1] ?? null;
    return { id: m[1]!, source, target, raw: m[0] };
  });
}

/** A message's text with its placeholders as {0}, {1}…: how a dictionary names it. */
export function dictionaryKey(source: string): string {
  return decode(source.replace(/<x id="(\d+)"[^>]*\/>/g, '{$1}'));
}

export function decode(xml: string): string {
  return xml.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

