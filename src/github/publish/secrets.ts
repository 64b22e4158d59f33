/**
 * Nothing that mesh-review publishes (a check run's text, a comment, a log
 * line built from an error) may carry a credential. Errors from Octokit can
 * quote request URLs and headers, and a crash message can quote anything, so
 * every reason that leaves the process goes through `redactSecrets` first.
 *
 * The patterns are deliberately greedy: a false positive costs a few
 * characters of a message, a false negative leaks an installation token.
 */
const REDACTED = '[REDACTED]';

const PATTERNS: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  // A PEM private key, whole, or cut off before its END line.
  [/-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY-----|$)/g, `${REDACTED} private key`],
  // Authorization schemes, header lines and their values.
  [/\b(authorization\s*[:=]\s*)["']?[^\s"',}]+(?:\s+[^\s"',}]+)?/gi, (_m, p: string) => `${p}${REDACTED}`],
  [/\b(Bearer)(\s+)[A-Za-z0-9._~+/=-]{4,}/gi, (_m, s: string, ws: string) => `${s}${ws}${REDACTED}`],
  [/\b(Basic)(\s+)[A-Za-z0-9+/=]{8,}/g, (_m, s: string, ws: string) => `${s}${ws}${REDACTED}`],
  // `token <value>` (the scheme Octokit uses): only long values, so that prose ("the token expired") survives.
  [/\b(token)(\s+)[A-Za-z0-9._~+/=-]{16,}/gi, (_m, s: string, ws: string) => `${s}${ws}${REDACTED}`],
  // GitHub tokens: classic, OAuth, user-to-server, installation (server-to-server), refresh; fine-grained PATs.
  [/\bgh[pousr]_[A-Za-z0-9_]+/g, REDACTED],
  [/\bgithub_pat_[A-Za-z0-9_]+/g, REDACTED],
  // Old-style installation tokens: v1.<40 hex>.
  [/\bv1\.[0-9a-f]{16,}/gi, REDACTED],
  // JSON Web Tokens (an app's signed JWT authenticates as the app).
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
  // Credentials in URLs: https://x-access-token:TOKEN@github.com/..., and query parameters.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]*:[^/\s@]*@/gi, (_m, scheme: string) => `${scheme}${REDACTED}@`],
  [
    /([?&](?:access_token|token|client_secret|code|jwt|sig|signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=)[^&\s"'#]+/gi,
    (_m, p: string) => `${p}${REDACTED}`,
  ],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

/**
 * A one-line description of an error that is safe to publish: status, method
 * and URL of a failed API request (never its headers), and the message.
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const e = error as Error & { status?: unknown; request?: { method?: unknown; url?: unknown } };
    const status = typeof e.status === 'number' && e.status > 0 ? `HTTP ${e.status}` : undefined;
    const method = typeof e.request?.method === 'string' ? e.request.method : undefined;
    const url = typeof e.request?.url === 'string' ? e.request.url : undefined;
    const where = method && url ? `${method} ${url}` : undefined;
    const head = [status, where].filter(Boolean).join(' ');
    return redactSecrets(head ? `${head}: ${e.message}` : e.message || e.name);
  }
  return redactSecrets(typeof error === 'string' ? error : safeJson(error));
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
