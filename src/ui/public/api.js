// The page's only way to the server: JSON reads, decisions with the session's CSRF token, and the live run stream.

/** A refusal or failure, with the server's own message (which names the fix). */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let session;

async function parse(res) {
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { error: text || res.statusText };
  }
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/** Who is at the page and the token their decisions carry; signs a local or proxied person in. */
export async function loadSession() {
  session = await parse(await fetch('/api/session', { credentials: 'same-origin' }));
  return session;
}

export async function getJson(path) {
  return parse(await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } }));
}

/** Sends a decision; resolves with the run's acceptance, rejects with its refusal (ApiError, status 409). */
export async function postDecision(runId, kind, body) {
  const res = await fetch(`/api/runs/${encodeURIComponent(runId)}/${kind}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-Planwright-CSRF': session?.csrfToken ?? '' },
    body: JSON.stringify(body),
  });
  return parse(res);
}

/**
 * Follows a run: `onEvent` gets its messages ('full', 'update', 'problem') in order. The stream stops by itself
 * once the run has closed (the server sends it once) or is unknown; the returned function stops it earlier.
 */
export function watchRun(runId, onEvent) {
  const source = new EventSource(`/api/runs/${encodeURIComponent(runId)}/events`);
  const stop = () => source.close();
  const handle = (event) => {
    const message = JSON.parse(event.data);
    onEvent(message);
    const closed = message.kind === 'problem' ? message.final : message.details && !message.details.live;
    // The server ends the stream of a closed run; without this the browser would open it again.
    if (closed) stop();
  };
  for (const kind of ['full', 'update', 'problem']) source.addEventListener(kind, handle);
  source.onerror = () => {
    if (source.readyState === EventSource.CONNECTING) onEvent({ kind: 'reconnecting' });
  };
  return stop;
}

/** The signed-in session (after loadSession). */
export const currentSession = () => session;
