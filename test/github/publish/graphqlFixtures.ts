/** GraphQL response bodies for `EXISTING_THREADS_QUERY`, as GitHub shapes them. */
export interface CommentSpec {
  author: string;
  body: string;
  databaseId?: number;
}
export interface ThreadSpec {
  id: string;
  comments: CommentSpec[];
  isResolved?: boolean;
  resolvedBy?: string | null;
  path?: string;
}

let next = 1000;
const comment = (c: CommentSpec) => ({ id: `PRRC_${c.databaseId ?? next}`, databaseId: c.databaseId ?? next++, body: c.body, author: { login: c.author } });

export function threadsPage(
  threads: ThreadSpec[],
  { hasNextPage = false, endCursor = null as string | null, reviews = [] as Array<{ author: string; body: string; oid: string }> } = {},
) {
  return {
    data: {
      repository: {
        pullRequest: {
          reviewThreads: {
            pageInfo: { hasNextPage, endCursor },
            nodes: threads.map((t) => {
              const nodes = t.comments.map(comment);
              return {
                id: t.id,
                isResolved: t.isResolved ?? false,
                isOutdated: false,
                path: t.path ?? 'deploy/payments/peer-auth.yaml',
                resolvedBy: t.resolvedBy ? { login: t.resolvedBy } : null,
                comments: { totalCount: nodes.length, nodes: nodes.slice(0, 20) },
                latest: { nodes: nodes.slice(-20) },
              };
            }),
          },
          reviews: { nodes: reviews.map((r, i) => ({ id: `PRR_${i}`, body: r.body, author: { login: r.author }, commit: { oid: r.oid } })) },
        },
      },
    },
  };
}
