/** Deeper than any real manifest (a Deployment is ~15), far below what blows the stack. */
export const MAX_NESTING_DEPTH = 200;
/** Default of limits.maxAliasNodes: above what go-yaml (kubectl) lets aliases add, far below what hurts. */
export const DEFAULT_MAX_ALIAS_NODES = 2_000_000;
/** A broken file can yield millions of cascading errors; past the first ones they help nobody. */
export const MAX_ERRORS_PER_FILE = 100;

export const MESSAGES = {
  notUtf8: 'not UTF-8 text (binary file?); only UTF-8 YAML or JSON is read',
  binary: 'binary file (contains NUL bytes); only UTF-8 YAML or JSON is read',
  tooLarge: (size: number, max: number) => `file is ${size} bytes, over limits.maxFileBytes (${max}); not parsed`,
  tooManyDocuments: (max: number) => `file has more than ${max} YAML documents (limits.maxDocuments); only the first ${max} are read`,
  tooManyErrors: (more: number) => `...and ${more} more errors in this file (only the first ${MAX_ERRORS_PER_FILE} are listed)`,
  jsonComment: 'JSON does not allow comments',
  goTemplate: 'Go template outside a Helm chart: render it or exclude it',
  tooDeep: `nested deeper than ${MAX_NESTING_DEPTH} levels; not read`,
  aliasBomb: (max: number) => `YAML aliases expand this file by more than ${max} nodes (limits.maxAliasNodes): possible alias bomb; not read`,
  recursiveAlias: 'a YAML alias refers to the node that contains it (recursive alias); not read',
  duplicateKey: (key: string | undefined) =>
    key === undefined ? 'duplicate key: YAML map keys must be unique' : `duplicate key ${key}: YAML map keys must be unique`,
  invalidYaml: (detail: string) => `invalid YAML: ${detail}`,
  notAnObject: (index: number, what: string) => `document ${index + 1} is ${what}, not a Kubernetes object (a mapping with apiVersion and kind)`,
  kindWithoutApiVersion: 'object has kind but no apiVersion',
  apiVersionWithoutKind: 'object has apiVersion but no kind',
  apiVersionNotString: 'apiVersion must be a non-empty string',
  kindNotString: 'kind must be a non-empty string',
  listItemNotObject: (index: number, what: string) => `List item ${index} is ${what}, not a Kubernetes object`,
  listItemWithoutHeader: (index: number) => `List item ${index} has no apiVersion and kind`,
  metadataNotMapping: (kind: string) => `metadata must be a mapping (${kind})`,
  nameMissing: (kind: string) => `metadata.name is missing (${kind})`,
  nameNotString: (kind: string) => `metadata.name must be a string (${kind})`,
  namespaceNotString: (kind: string, name: string) => `metadata.namespace must be a string (${kind} ${name})`,
} as const;
