// One delivery attempt: a signed JSON POST with a timeout. Redirects are not followed (a
// 3xx is a failed attempt), so a receiver cannot bounce the payload elsewhere.
import { EVENT_ID_HEADER, SIGNATURE_HEADER, sign } from './signature.ts';

export type PostResult = { ok: true } | { ok: false; error: string; aborted: boolean };

export function isDeliverableUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

export async function postEvent(
  target: { url: string; secret: string },
  event: { eventId: string; body: string },
  timeoutMs: number,
  stop: AbortSignal,
): Promise<PostResult> {
  if (!isDeliverableUrl(target.url)) return { ok: false, error: `not an http(s) URL: ${target.url}`, aborted: false };
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      body: event.body,
      redirect: 'manual',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'lcm-webhooks/1',
        [EVENT_ID_HEADER]: event.eventId,
        [SIGNATURE_HEADER]: sign(target.secret, event.body),
      },
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]),
    });
    // The body is not needed; releasing it frees the connection.
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return { ok: true };
    return { ok: false, error: `HTTP ${res.status}`, aborted: false };
  } catch (err) {
    const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    return { ok: false, error: cause, aborted: stop.aborted };
  }
}
