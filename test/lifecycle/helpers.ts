// Shared set-up of the lifecycle suites: a seeded store, the app over it, and XML posting.
import type { FastifyInstance } from 'fastify';
import { createTestStore } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import type { Engine } from '../../src/store/db.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { bearer } from '../helpers/http.ts';
import { buildApp } from '../../src/http/app.ts';
import { seed } from '../../src/store/fixtures.ts';
import type { Principal } from '../../src/domain/principal.ts';

export const MODELS_NS = 'http://schemas.datacontract.org/2004/07/LCManagerPartner.Models';

export interface Seeded {
  t: TestStore;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function seededApp(engine: Engine): Promise<Seeded> {
  const t = await createTestStore(engine);
  await seed(t.store.db, t.store.engine, FIXTURES);
  const app = await buildApp({ config: t.config, store: t.store, logger: false });
  return {
    t,
    app,
    close: async () => {
      await app.close();
      await t.dispose();
    },
  };
}

export async function postXml(app: FastifyInstance, url: string, xml: string, principal: Principal): Promise<{ status: number; contentType: string | undefined; body: string }> {
  const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/xml', authorization: await bearer(app, principal) }, payload: xml });
  return { status: res.statusCode, contentType: res.headers['content-type'] as string | undefined, body: res.body };
}

/** The text of the first element with this local name (no nesting, test use only). */
export function xmlText(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}
