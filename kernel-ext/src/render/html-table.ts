/**
 * Plain HTML tables for cell outputs (Jupyter styles `<table>` itself), and their text twin
 * for `text/plain`.
 */

/** A cell value: numbers are formatted, strings escaped, null/undefined shown as an em dash. */
export type CellValue = string | number | boolean | null | undefined;

/** One row: column name → value. */
export type TableRow = Readonly<Record<string, CellValue>>;

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A number with `digits` significant decimals, integers as they are. */
export function formatCell(v: CellValue, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    if (!Number.isFinite(v)) return String(v);
    return Math.abs(v) >= 1000 ? v.toFixed(1) : Number(v.toPrecision(digits)).toString();
  }
  return String(v);
}

/** The union of the rows' keys, in first-seen order. */
export function columnsOf(rows: readonly TableRow[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/**
 * An HTML table of `rows` (numbers right-aligned), with an optional caption.
 * @example
 * htmlTable([{ organ: 'Kidney', aji: 0.62 }], { caption: 'AJI per organ' });
 */
export function htmlTable(rows: readonly TableRow[], opts: { caption?: string; columns?: readonly string[]; digits?: number } = {}): string {
  const cols = opts.columns ?? columnsOf(rows);
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((r) => {
      const cells = cols.map((c) => {
        const v = r[c];
        const align = typeof v === 'number' ? ' style="text-align:right"' : '';
        return `<td${align}>${escapeHtml(formatCell(v, opts.digits))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const caption = opts.caption ? `<caption>${escapeHtml(opts.caption)}</caption>` : '';
  return `<table>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/**
 * The same table as aligned plain text.
 * @example
 * textTable([{ a: 1, b: 'x' }]); // "a  b\n1  x"
 */
export function textTable(rows: readonly TableRow[], opts: { columns?: readonly string[]; digits?: number } = {}): string {
  const cols = opts.columns ?? columnsOf(rows);
  const cells = [cols, ...rows.map((r) => cols.map((c) => formatCell(r[c], opts.digits)))];
  const widths = cols.map((_, j) => Math.max(...cells.map((row) => row[j].length)));
  return cells.map((row) => row.map((s, j) => s.padEnd(widths[j])).join('  ').trimEnd()).join('\n');
}
