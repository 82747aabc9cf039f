/** A table value: HTML in the notebook, aligned text elsewhere. */
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { htmlTable, textTable, type TableRow } from '../render/html-table.js';

/** Options of {@link table}. */
export interface TableOptions {
  readonly caption?: string;
  /** Column order; default the rows' keys in first-seen order. */
  readonly columns?: readonly string[];
  /** Significant digits of non-integer numbers. Default 4. */
  readonly digits?: number;
}

/** Rows shown as a table. */
export class Table extends RichValue {
  constructor(
    readonly rows: readonly TableRow[],
    readonly options: TableOptions = {},
  ) {
    super();
  }

  mimeBundle(): MimeBundle {
    return {
      'text/html': htmlTable(this.rows, this.options),
      'text/plain': textTable(this.rows, this.options),
    };
  }

  summary(): string {
    return `${this.options.caption ? `${this.options.caption}: ` : ''}table of ${this.rows.length} rows`;
  }
}

/**
 * Shows rows as a table.
 * @example
 * table([{ organ: 'Kidney', aji: 0.62 }], { caption: 'AJI' });
 */
export function table(rows: readonly TableRow[], options: TableOptions = {}): Table {
  return new Table(rows, options);
}
