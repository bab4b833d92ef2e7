// The console's session and API calls. The access token lives only in this module's memory;
// the refresh token stays in an HttpOnly cookie that only /console/session can read.

let accessToken = null;

/** Thrown when the session has ended (refresh refused): the page shows the sign-in form. */
export class SignedOut extends Error {}

const SESSION_HEADERS = { 'content-type': 'application/json', 'x-lcm-console': '1' };

async function session(path, method, body) {
  const res = await fetch(path, { method, headers: SESSION_HEADERS, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
  return { status: res.status, data, retryAfter: res.headers.get('retry-after') };
}

/** Signs in; returns null on success or the Russian message to show. */
export async function signIn(login, password) {
  const { status, data, retryAfter } = await session('/console/session', 'POST', { login, password });
  if (status === 200) {
    accessToken = data.access_token;
    return null;
  }
  if (status === 401) return 'Неверный логин или пароль';
  if (status === 429) return `Слишком много неудачных попыток входа. Повторите через ${retryAfter ?? 60} с.`;
  return 'Сервис временно недоступен. Повторите попытку позже.';
}

/** A new access token from the refresh cookie; false when there is no session. */
export async function refresh() {
  const { status, data } = await session('/console/session/refresh', 'POST', {});
  accessToken = status === 200 ? data.access_token : null;
  return accessToken !== null;
}

export async function signOut() {
  accessToken = null;
  await session('/console/session', 'DELETE', {});
}

/** The manager's login, read from the access token's claims (for the header only). */
export function currentLogin() {
  if (!accessToken) return '';
  try {
    const claims = JSON.parse(atob(accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return new TextDecoder().decode(Uint8Array.from(claims.user ?? '', (c) => c.charCodeAt(0)));
  } catch {
    return '';
  }
}

/** Calls an operation (POST api/client/<name>, JSON); one refresh and retry when the token expired. */
export async function call(name, body) {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (!accessToken && !(await refresh())) throw new SignedOut();
    const res = await fetch(`/api/client/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify(body),
    });
    if (res.status === 401) {
      accessToken = null;
      continue;
    }
    // A 400 is the operation's own answer (ErrorCode 100, the unreadable field named).
    if (!res.ok && res.status !== 400) throw new Error(`HTTP ${res.status}`);
    return res.json();
  }
  throw new SignedOut();
}
