// What every help page says about authorization, and the index's sign-in section.
export const SIGN_IN_ANCHOR = 'sign-in';

/** One paragraph for each operation's page. */
export const SIGN_IN_NOTE = `<p class="auth">Requires <code>Authorization: Bearer &lt;access_token&gt;</code>: the token from
<code>POST /ManagerLogin</code> or <code>POST /ClientLogin</code> (<a href="/Help#${SIGN_IN_ANCHOR}">sign-in</a>).
Without it the answer is 401.</p>`;

/** The index's section on the two token endpoints. */
export const SIGN_IN_SECTION = `<h2 id="${SIGN_IN_ANCHOR}">Sign-in</h2>
<p>Every operation requires <code>Authorization: Bearer &lt;access_token&gt;</code> (or
<code>Mloyalty-Authorization</code>). The token comes from one of two OAuth endpoints; bodies are
<code>application/x-www-form-urlencoded</code>, answers are JSON
(<code>{"access_token":"…","token_type":"bearer","expires_in":…,"refresh_token":"…"}</code>).</p>
<table><thead><tr><th>API</th><th>Who</th><th>Form fields</th></tr></thead><tbody>
<tr><td>POST /ManagerLogin</td><td>staff, cash registers, integrations</td><td><code>grant_type=password&amp;username=&lt;login&gt;&amp;password=…</code>; <code>grant_type=refresh_token&amp;refresh_token=…</code></td></tr>
<tr><td>POST /ClientLogin</td><td>a participant</td><td><code>grant_type=password&amp;username=&lt;phone&gt;&amp;password=…&amp;operator=&lt;id&gt;</code>; <code>grant_type=refresh_token&amp;refresh_token=…</code></td></tr>
</tbody></table>
<p>In <a href="/swagger">/swagger</a>: sign in with <code>/ManagerLogin</code> ("Try it out"), copy
<code>access_token</code> into "Authorize", then "Try it out" on an operation.</p>`;
