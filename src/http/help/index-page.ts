// GET /Help: every served operation with its Russian summary.
import type { OperationDecl } from '../../contract/types.ts';
import { escapeHtml, page, table } from './html.ts';
import { apiTitle, helpPath } from './naming.ts';
import { SIGN_IN_ANCHOR, signInSection } from './sign-in-note.ts';

export function indexPage(operations: readonly OperationDecl[]): string {
  const list = table(operations, [
    { head: 'API', cell: (op) => `<a href="${escapeHtml(helpPath(op))}">${escapeHtml(apiTitle(op))}</a>` },
    { head: 'Description', cell: (op) => escapeHtml(op.summary) },
  ]);
  return page(
    'ASP.NET Web API Help Page',
    `<h1>ASP.NET Web API Help Page</h1>
<h2>Introduction</h2>
<p>Участники программы лояльности: профиль, регистрация, история изменений.
Every operation but the anonymous ones requires a Bearer token from POST /ManagerLogin or POST /ClientLogin (<a href="#${SIGN_IN_ANCHOR}">sign-in</a>).
Описание OpenAPI: <a href="/openapi.json">/openapi.json</a>, интерактивно: <a href="/swagger">/swagger</a>.</p>
<h2>Client</h2>${list}
${signInSection(operations)}`,
  );
}
