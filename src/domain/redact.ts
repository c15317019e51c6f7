/**
 * URLs as they may be shown: in messages, failures (and so histories and reports), log lines. A provider's base URL
 * or a webhook may carry credentials in its userinfo (`user:password@`) or its query (`?key=…`); those never leave
 * the process that holds them. Only what is shown is redacted, never the URL requests go to.
 */

/** What stands in for a credential. */
export const REDACTED = '***';

export interface RedactUrlOptions {
  /** Keep the path (default); false shows the origin only, for URLs whose path is the secret (webhooks). */
  keepPath?: boolean;
}

// scheme://, authority, path, ?query, #fragment. The authority ends where a WHATWG parser ends it (`\` counts as `/`
// in http URLs); everything before its last `@` is userinfo. Without a scheme the start is read as an authority, so
// `user:secret@host` is redacted too.
const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#\\]*)([^?#]*)(\?[^#]*)?(#.*)?$/is;

/**
 * `url` with its userinfo replaced by `***`, each query value by `***` (names kept: `?api-version=***&key=***`) and
 * its fragment by `***`; scheme, host, port and path are kept. Safe on any string: nothing after `?` or `#`, and
 * nothing before an authority's last `@`, is ever returned.
 */
export function redactUrl(url: string, options: RedactUrlOptions = {}): string {
  const parts = URL_PARTS.exec(url);
  // The pattern matches every string without a line break; anything else is shown as nothing at all.
  if (!parts) return REDACTED;
  const [, scheme = '', authority = '', path = '', query, fragment] = parts;
  const at = authority.lastIndexOf('@');
  const origin = `${scheme}${at >= 0 ? `${REDACTED}@${authority.slice(at + 1)}` : authority}`;
  if (options.keepPath === false) return origin;
  const redactedQuery =
    query === undefined
      ? ''
      : `?${query
          .slice(1)
          .split('&')
          .map((pair) => (pair.includes('=') ? `${pair.slice(0, pair.indexOf('='))}=${REDACTED}` : pair && REDACTED))
          .join('&')}`;
  return `${origin}${path}${redactedQuery}${fragment === undefined ? '' : `#${REDACTED}`}`;
}

// A URL inside free text (an error message): from its scheme to the next space or quote. Over-long on purpose: a
// password with a `(` or `,` in it must not end the match early and show the rest.
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
// Sentence punctuation right after a URL ("… (at http://host/v1).") belongs to the sentence.
const TRAILING_PUNCTUATION = /[).,;:!]+$/;

/** `text` with every URL in it passed through {@link redactUrl}; for error messages of libraries that quote URLs. */
export function redactUrlsIn(text: string, options: RedactUrlOptions = {}): string {
  return text.replace(URL_IN_TEXT, (match) => {
    const tail = TRAILING_PUNCTUATION.exec(match)?.[0] ?? '';
    return redactUrl(match.slice(0, match.length - tail.length), options) + tail;
  });
}
