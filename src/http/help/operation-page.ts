// /Help/Api/POST-api-client-<Name>: the original's help page of one operation, derived
// from its declaration.
import type { FieldDecl, MessageDecl, OperationDecl } from '../../contract/types.ts';
import { escapeHtml, page, table } from './html.ts';
import { apiTitle, helpTypeName, nestedTypes } from './naming.ts';
import { formSample, jsonSample, xmlSample } from './samples.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION } from './idempotency-key.ts';
import { ANONYMOUS_NOTE, SIGN_IN_NOTE } from './sign-in-note.ts';

function fieldTable(fields: readonly FieldDecl[], caption: string): string {
  return table(
    fields,
    [
      { head: 'Name', cell: (f) => escapeHtml(f.name) },
      { head: 'Description', cell: (f) => escapeHtml(f.description) },
      { head: 'Type', cell: (f) => escapeHtml(helpTypeName(f.type)) },
      { head: 'Additional information', cell: () => 'None.' },
    ],
    caption,
  );
}

function messageSection(message: MessageDecl): string {
  const nested = nestedTypes(message.fields)
    .map((t) => `<h3 id="${escapeHtml(t.typeName)}">${escapeHtml(t.typeName)}</h3>${fieldTable(t.fields, t.typeName)}`)
    .join('');
  return `<p><b>${escapeHtml(message.typeName)}</b></p>${fieldTable(message.fields, message.typeName)}${nested}`;
}

function samples(message: MessageDecl, withForm: boolean): string {
  const side = withForm ? 'request' : 'response';
  const form = withForm ? formSample(message) : undefined;
  const blocks = [
    ['application/json, text/json', jsonSample(message, side)],
    ['application/xml, text/xml', xmlSample(message, side)],
    ...(withForm ? [['application/x-www-form-urlencoded', form ?? 'Sample not available.']] : []),
  ];
  return blocks.map(([media, text]) => `<div class="media">${escapeHtml(media!)}</div><pre class="sample">${escapeHtml(text!)}</pre>`).join('');
}

export function operationPage(op: OperationDecl): string {
  const title = apiTitle(op);
  const errors = table(op.errors, [
    { head: 'ErrorCode', cell: (e) => String(e.code) },
    { head: 'Message', cell: (e) => escapeHtml(e.message) },
    { head: 'When', cell: (e) => escapeHtml(e.rule) },
  ]);
  return page(
    title,
    `<p><a href="/Help">Help Page Home</a></p>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(op.summary)}</p>
${op.anonymous ? ANONYMOUS_NOTE : SIGN_IN_NOTE}
<h2>Request Information</h2>
<h3>URI Parameters</h3><p>None.</p>
<h3>Body Parameters</h3>${messageSection(op.request)}${op.idempotent ? idempotencySection() : ''}
<h3>Request Formats</h3>${samples(op.request, true)}
<h2>Response Information</h2>
<h3>Resource Description</h3>${messageSection(op.response)}
<h3>Error codes</h3>${errors}
<h3>Response Formats</h3>${samples(op.response, false)}`,
  );
}

/** The Idempotency-Key header of an idempotent operation (OperationDecl.idempotent). */
function idempotencySection(): string {
  return `<h3>Header Parameters</h3>${table(
    [{ name: 'Idempotency-Key', description: IDEMPOTENCY_KEY_DESCRIPTION, type: 'string, 1–255 visible ASCII characters' }],
    [
      { head: 'Name', cell: (h) => escapeHtml(h.name) },
      { head: 'Description', cell: (h) => escapeHtml(h.description) },
      { head: 'Type', cell: (h) => escapeHtml(h.type) },
      { head: 'Additional information', cell: () => 'Optional.' },
    ],
  )}`;
}
