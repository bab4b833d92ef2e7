// The Idempotency-Key header as the help pages and OpenAPI describe it (docs/reliability.md, "Retries").

export const IDEMPOTENCY_KEY_DESCRIPTION =
  'Optional. A key of your choice, new for each new request (a UUID, say), sent again unchanged with every retry of that request. ' +
  'The first answer (every 200, whatever its ErrorCode) is stored with the change and returned to the retries for LCM_IDEMPOTENCY_TTL_HOURS (24 hours by default), ' +
  'in the format each retry asks for; nothing is done again. The same key with a different request: 422. ' +
  'A retry while the first request is still being processed waits for it, or answers 409 after the request deadline: retry later with the same key. ' +
  'Keys belong to the caller: another token never sees your answers.';
