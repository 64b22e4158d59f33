import type { WriteThrottle } from './publish/writeThrottle.js';
import type { GitHub, PullFile, PullRequestRef } from './types.js';

const PER_PAGE = 100;
/** GitHub lists at most 3,000 files of a pull request: asking past that only costs requests. */
export const MAX_LISTED_FILES = 3000;
const MAX_PAGES = MAX_LISTED_FILES / PER_PAGE;

export interface PullFileListing {
  files: PullFile[];
  /**
   * False when the pull request changes more files than were listed (GitHub's
   * cap): the files past the listing have no patch, so their lines must be
   * computed from the snapshots.
   */
  complete: boolean;
}

interface DiffEntry {
  filename: string;
  previous_filename?: string;
  status: PullFile['status'];
  patch?: string;
}

/**
 * The files of `pr` with their patches, page by page. `changedFiles` is the
 * pull request's `changed_files` (webhook payload or `GET /pulls/{n}`): the
 * listing alone cannot tell a truncated list from a complete one. With
 * `throttle`, each page goes through its `read`: a secondary rate limit
 * (403/429 with `retry-after`, or until `x-ratelimit-reset`) is waited out and
 * a 5xx retried, instead of failing the check.
 */
export async function listPullFiles(
  github: GitHub,
  pr: Pick<PullRequestRef, 'owner' | 'repo' | 'number'>,
  changedFiles: number,
  throttle?: WriteThrottle,
): Promise<PullFileListing> {
  const files: PullFile[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const request = () =>
      github.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
        owner: pr.owner,
        repo: pr.repo,
        pull_number: pr.number,
        per_page: PER_PAGE,
        page,
      });
    const response = await (throttle ? throttle.read(request) : request());
    const entries = response.data as DiffEntry[];
    for (const entry of entries) files.push(toPullFile(entry));
    if (!hasNextPage(entries.length, response.headers.link)) break;
  }
  return { files, complete: files.length >= changedFiles };
}

/**
 * GitHub's `Link` header names the next page; a single page has no header at
 * all. Trusting it spares a listing of exactly 100 files a request for an
 * empty page, and should it be wrong, `complete` turns false and the missing
 * files' lines come from the snapshots.
 */
function hasNextPage(count: number, link: string | undefined): boolean {
  return count === PER_PAGE && link !== undefined && /\brel="next"/.test(link);
}

function toPullFile(entry: DiffEntry): PullFile {
  return {
    path: entry.filename,
    previousPath: entry.previous_filename,
    status: entry.status,
    // An empty patch (a pure rename, a mode change) is a diff with no lines, not a missing one.
    patch: entry.patch,
  };
}
