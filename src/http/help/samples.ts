// Sample messages as the original's help pages generated them (ASP.NET's ObjectGenerator):
// integers 1, booleans true, strings "sample string N" with N counting from 2, lists of two
// items. Rendered by the wire encoders, so a sample is exactly what the service reads/writes.
import type { FieldDecl, FieldType, MessageDecl, ScalarType } from '../../contract/types.ts';
import { jsonObject } from '../../wire/encode-json.ts';
import { xmlMessage } from '../../wire/encode-xml.ts';

export const SAMPLE_DATE = '2025-10-30';
export const SAMPLE_DATETIME = '2025-10-30T05:04:59.6543877+03:00';

export function sampleValue(fields: readonly FieldDecl[]): Record<string, unknown> {
  const counter = { n: 1 };
  return objectSample(fields, counter);
}

function objectSample(fields: readonly FieldDecl[], counter: { n: number }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.name] = f.example ?? valueOf(f.type, counter);
  return out;
}

function valueOf(type: FieldType, counter: { n: number }): unknown {
  if (typeof type === 'string') return scalarSample(type, counter);
  if (type.kind === 'object') return objectSample(type.fields, counter);
  return [valueOf(type.of, counter), valueOf(type.of, counter)];
}

function scalarSample(type: ScalarType, counter: { n: number }): unknown {
  switch (type) {
    case 'int16':
    case 'int32':
    case 'int64':
      return 1;
    case 'boolean':
      return true;
    case 'date':
      return SAMPLE_DATE;
    case 'datetime':
      return SAMPLE_DATETIME;
    case 'string':
      return `sample string ${++counter.n}`;
  }
}

export type SampleSide = 'request' | 'response';

export function jsonSample(message: MessageDecl, side: SampleSide = 'response'): string {
  const m = asSent(message, side);
  return prettyJson(jsonObject(m.fields, sampleValue(m.fields)));
}

export function xmlSample(message: MessageDecl, side: SampleSide = 'response'): string {
  const m = asSent(message, side);
  return xmlMessage(m, sampleValue(m.fields));
}

/**
 * A request's dates are shown as the original's samples wrote them, with a time and an
 * offset (which the service reads and ignores): rendered as the encoders write a datetime.
 * Responses are shown exactly as the service writes them.
 */
function asSent(message: MessageDecl, side: SampleSide): MessageDecl {
  if (side === 'response') return message;
  return { ...message, fields: message.fields.map((f) => (f.type === 'date' ? { ...f, type: 'datetime' as const, example: f.example ?? SAMPLE_DATETIME } : f)) };
}

/** A form body of the top-level scalar fields (nested values cannot be sent as a form). */
export function formSample(message: MessageDecl): string | undefined {
  if (message.fields.some((f) => typeof f.type !== 'string')) return undefined;
  const value = sampleValue(message.fields);
  const params = new URLSearchParams();
  for (const f of message.fields) {
    const v = value[f.name];
    params.append(f.name, f.type === 'date' ? SAMPLE_DATETIME : String(v));
  }
  return params.toString();
}

/** Re-indents the encoder's compact JSON, keeping its member order and its text. */
function prettyJson(compact: string): string {
  return JSON.stringify(JSON.parse(compact), null, 2);
}
