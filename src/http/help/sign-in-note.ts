// What every help page says about authorization, and the index's sign-in section.
import type { OperationDecl } from '../../contract/types.ts';
import { escapeHtml } from './html.ts';
import { apiTitle, helpPath } from './naming.ts';

export const SIGN_IN_ANCHOR = 'sign-in';

/** One paragraph for each operation's page. */
export const SIGN_IN_NOTE = `<p class="auth">Requires <code>Authorization: Bearer &lt;access_token&gt;</code>: the token from
<code>POST /ManagerLogin</code> or <code>POST /ClientLogin</code> (<a href="/Help#${SIGN_IN_ANCHOR}">sign-in</a>).
Without it the answer is 401.</p>`;

/** The paragraph of an anonymous operation's page (OperationDecl.anonymous). */
export const ANONYMOUS_NOTE = `<p class="auth">Anonymous: no bearer token; the body's <code>Operator</code> is required
(<a href="/Help#${SIGN_IN_ANCHOR}">sign-in</a>).</p>`;

const link = (op: OperationDecl) => `<a href="${escapeHtml(helpPath(op))}">${escapeHtml(apiTitle(op))}</a>`;

/** The index's section on the two token endpoints and the operations that need no token. */
export function signInSection(operations: readonly OperationDecl[]): string {
  const anonymous = operations.filter((op) => op.anonymous);
  const except = anonymous.length > 0 ? ` except ${anonymous.map((op) => `<code>${escapeHtml(op.name)}</code>`).join(' and ')}` : '';
  // A participant's password comes from a confirmation code (docs/participant-sign-in.md).
  const participantFlow =
    anonymous.length > 0
      ? `<p>A participant without a password gets one with a confirmation code sent to their phone:
${anonymous.map(link).join(', then ')}, then signs in at <code>POST /ClientLogin</code> with the phone
(written as people write it, <code>+7 916 000-00-01</code>) and that password. These operations
need no token.</p>`
      : '';
  return `<h2 id="${SIGN_IN_ANCHOR}">Sign-in</h2>
<p>Every operation${except} requires <code>Authorization: Bearer &lt;access_token&gt;</code> (or
<code>Mloyalty-Authorization</code>). The token comes from one of two OAuth endpoints; bodies are
<code>application/x-www-form-urlencoded</code>, answers are JSON
(<code>{"access_token":"…","token_type":"bearer","expires_in":…,"refresh_token":"…"}</code>).</p>
<table><thead><tr><th>API</th><th>Who</th><th>Form fields</th></tr></thead><tbody>
<tr><td>POST /ManagerLogin</td><td>staff, cash registers, integrations</td><td><code>grant_type=password&amp;username=&lt;login&gt;&amp;password=…</code>; <code>grant_type=refresh_token&amp;refresh_token=…</code></td></tr>
<tr><td>POST /ClientLogin</td><td>a participant</td><td><code>grant_type=password&amp;username=&lt;phone&gt;&amp;password=…&amp;operator=&lt;id&gt;</code>; <code>grant_type=refresh_token&amp;refresh_token=…</code></td></tr>
</tbody></table>
${participantFlow}
<p>In <a href="/swagger">/swagger</a>: sign in with <code>/ManagerLogin</code> ("Try it out"), copy
<code>access_token</code> into "Authorize", then "Try it out" on an operation.</p>`;
}
