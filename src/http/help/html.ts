// HTML helpers of the help pages: every text that reaches a page goes through escapeHtml.

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font-family:"Segoe UI",Arial,sans-serif;margin:0 auto;max-width:960px;padding:1em 2em;color:#222}
h1{font-size:1.6em}h2{font-size:1.3em;margin-top:1.5em}h3{font-size:1.1em}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}pre{background:#f7f7f7;border:1px solid #ddd;padding:8px;white-space:pre-wrap;word-break:break-all}
.media{font-weight:bold;margin-top:1em}`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

export interface Column<T> {
  readonly head: string;
  /** Already-escaped HTML of the cell. */
  readonly cell: (row: T) => string;
}

export function table<T>(rows: readonly T[], columns: readonly Column<T>[], caption?: string): string {
  const head = `<tr>${columns.map((c) => `<th>${escapeHtml(c.head)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td>${c.cell(r)}</td>`).join('')}</tr>`).join('');
  return `<table>${caption === undefined ? '' : `<caption>${escapeHtml(caption)}</caption>`}<thead>${head}</thead><tbody>${body}</tbody></table>`;
}
