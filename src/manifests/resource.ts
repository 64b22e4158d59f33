/** A path into a document's value, as yaml's `getIn` takes it. */
export type FieldPath = readonly (string | number)[];

/**
 * One Kubernetes object found in a file. `body` is the plain value of the
 * document (or List item); `locate` maps a field path to a 1-based line
 * lazily, because most resources never need a line (only findings do).
 */
export interface Resource {
  apiVersion: string;
  kind: string;
  name: string;
  /** As written; undefined when the manifest leaves it to the applier. */
  namespace: string | undefined;
  body: Record<string, unknown>;
  /** Repo-relative file path, "/" separated. */
  file: string;
  /** Index of the YAML document in the file (and of the item in a List). */
  docIndex: number;
  /** 1-based line where the object starts. */
  line: number;
  /** Hash of the object's content: equal hashes mean an equivalent object. */
  hash: string;
  /** Template the object came from (Helm `# Source:` comment), if any. */
  source?: string;
  /** The rendered target (kustomization root or chart release) the object belongs to, if rendered. */
  target?: string;
  locate(path: FieldPath): number;
  /**
   * For a rendered object: where a field was written when that is not this object's own file,
   * such as a kustomize patch that set it (render/patchPlaces.ts). Undefined: `file` at `locate`.
   */
  place?(path: FieldPath): { file: string; line: number } | undefined;
}

/** The API group of an `apiVersion`: `apps` for `apps/v1`, '' for the core group (`v1`). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Bad input is data: each problem names its file and line. */
export interface ParseError {
  file: string;
  line: number;
  message: string;
}

export interface ParsedFile {
  resources: Resource[];
  errors: ParseError[];
}
