/**
 * Reading Octokit's errors without depending on their classes: a REST failure
 * is a `RequestError` (status, response.headers, response.data), a GraphQL
 * failure reported in a 200 response is a `GraphqlResponseError` (headers,
 * errors[]), and Probot's octokit throws the same shapes.
 */
export interface HttpErrorView {
  status: number | undefined;
  headers: Record<string, string>;
  /** The error's message and the response's `message` and `errors[]`, joined: what classifiers search. */
  text: string;
  /** `errors[]` of a REST 422 or of a GraphQL response, as GitHub sent them. */
  errors: unknown[];
  graphqlTypes: string[];
}

export function viewError(error: unknown): HttpErrorView {
  const e = (error ?? {}) as {
    status?: unknown;
    message?: unknown;
    headers?: unknown;
    errors?: unknown;
    response?: { headers?: unknown; data?: unknown };
  };
  const status = typeof e.status === 'number' && e.status > 0 ? e.status : undefined;
  const headers = lowerHeaders(e.response?.headers ?? e.headers);
  const data = (e.response?.data ?? {}) as { message?: unknown; errors?: unknown };
  const errors: unknown[] = [...(Array.isArray(data.errors) ? (data.errors as unknown[]) : []), ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])];
  const graphqlTypes = errors
    .map((x) => (x && typeof x === 'object' && typeof (x as { type?: unknown }).type === 'string' ? (x as { type: string }).type : ''))
    .filter(Boolean);
  const parts = [typeof e.message === 'string' ? e.message : '', typeof data.message === 'string' ? data.message : '', ...errors.map(errorText)];
  return { status, headers, text: parts.filter(Boolean).join(' | '), errors, graphqlTypes };
}

function lowerHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h || typeof h !== 'object') return out;
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    // A header value is a string, a number or a list of them; anything else is shown as JSON, not `[object Object]`.
    out[k.toLowerCase()] = Array.isArray(v) ? v.map(String).join(', ') : typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);
  }
  return out;
}

function errorText(x: unknown): string {
  if (typeof x === 'string') return x;
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    return ['resource', 'field', 'code', 'message']
      .map((k) => (typeof o[k] === 'string' ? o[k] : ''))
      .filter(Boolean)
      .join(' ');
  }
  return '';
}

export const isServerError = (v: HttpErrorView): boolean => v.status !== undefined && v.status >= 500 && v.status <= 599;

/**
 * A 422 from `POST .../reviews` because a comment's line is not in the diff.
 * GitHub words it "Pull request review thread line must be part of the diff",
 * "pull_request_review_thread.line ...", "Line could not be resolved", or
 * complains about the diff hunk; none of them says which comment it was.
 */
export function isLineOutsideDiff(v: HttpErrorView): boolean {
  return (
    v.status === 422 &&
    /part of the diff|pull_request_review_thread\.(?:line|start_line|diff_hunk|path)|review thread (?:start )?line|line could not be resolved|diff hunk|could not be resolved/i.test(
      v.text,
    )
  );
}
