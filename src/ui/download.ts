/** Save a text export as a file the browser downloads ("holdfast-audit-2026-01-01T10-00-00-000Z.csv"). */
export function download(body: string, name: string, kind: 'csv' | 'json' | 'txt'): void {
  const type = kind === 'json' ? 'application/json' : kind === 'csv' ? 'text/csv;charset=utf-8' : 'text/plain';
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.${kind}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
