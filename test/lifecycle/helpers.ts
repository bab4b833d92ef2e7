// Shared pieces of the lifecycle suites: XML posting and reading.
import type { FastifyInstance } from 'fastify';
import { bearer } from '../helpers/http.ts';
import type { Principal } from '../../src/lib/principal.ts';

export const MODELS_NS = 'http://schemas.datacontract.org/2004/07/LCManagerPartner.Models';

export async function postXml(app: FastifyInstance, url: string, xml: string, principal: Principal): Promise<{ status: number; contentType: string | undefined; body: string }> {
  const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/xml', authorization: await bearer(app, principal) }, payload: xml });
  return { status: res.statusCode, contentType: res.headers['content-type'] as string | undefined, body: res.body };
}

/** The text of the first element with this local name (no nesting, test use only). */
export function xmlText(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}
