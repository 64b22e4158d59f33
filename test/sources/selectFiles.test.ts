import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { hasManifestExtension, selectFiles } from '../../src/sources/selectFiles.js';

const defaults = defaultConfig();
const select = (paths: string[], include = defaults.include, exclude = defaults.exclude) => selectFiles(paths, { include, exclude });

describe('selectFiles', () => {
  test('keeps .yaml, .yml and .json, at the root and in dot folders', () => {
    expect(select(['a.yaml', 'b/c.yml', 'd.json', '.github/mesh-review.yml', 'README.md', 'x.yaml.tmpl', 'tpl/_h.tpl'])).toEqual([
      'a.yaml',
      'b/c.yml',
      'd.json',
      '.github/mesh-review.yml',
    ]);
  });

  test('skips .git and node_modules at any depth', () => {
    expect(select(['.git/config.yaml', 'node_modules/x/package.json', 'web/node_modules/y.yaml', 'ok/a.yaml'])).toEqual(['ok/a.yaml']);
  });

  test('applies include and exclude globs with dot: true', () => {
    const paths = ['deploy/a.yaml', 'deploy/.hidden/b.yaml', 'deploy/test/c.yaml', 'other/d.yaml'];
    expect(select(paths, ['deploy/**'], ['**/test/**'])).toEqual(['deploy/a.yaml', 'deploy/.hidden/b.yaml']);
  });

  test('an include glob cannot bring in a file without a manifest extension', () => {
    expect(select(['deploy/a.txt', 'deploy/b.yaml'], ['deploy/**'])).toEqual(['deploy/b.yaml']);
  });

  test('quietly skips templates/ of a Helm chart, nested folders and subcharts included', () => {
    const paths = [
      'charts/web/Chart.yaml',
      'charts/web/values.yaml',
      'charts/web/templates/deployment.yaml',
      'charts/web/templates/istio/policy.yaml',
      'charts/web/charts/sub/Chart.yaml',
      'charts/web/charts/sub/templates/x.yaml',
      'charts/web/ci/values-test.yaml',
    ];
    expect(select(paths)).toEqual(['charts/web/Chart.yaml', 'charts/web/values.yaml', 'charts/web/charts/sub/Chart.yaml', 'charts/web/ci/values-test.yaml']);
  });

  test('a templates/ folder without a Chart.yaml beside it is ordinary', () => {
    expect(select(['kustomize/templates/a.yaml', 'other/Chart.yaml', 'x/templates/b.yaml'])).toEqual([
      'kustomize/templates/a.yaml',
      'other/Chart.yaml',
      'x/templates/b.yaml',
    ]);
  });

  test('a chart at the repository root', () => {
    expect(select(['Chart.yaml', 'templates/a.yaml', 'values.yaml'])).toEqual(['Chart.yaml', 'values.yaml']);
  });

  test('extension check ignores case', () => {
    expect(hasManifestExtension('A.YAML')).toBe(true);
    expect(hasManifestExtension('a.yaml.bak')).toBe(false);
  });
});
