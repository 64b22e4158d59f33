/** Where the project's files (rule pages under `docs/rules/`) are published; renderers add the path. */
export const PROJECT_URL = 'https://github.com/mesh-review/mesh-review/blob/main';
