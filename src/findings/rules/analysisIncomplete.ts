import type { PolicyChange } from '../../policy/change.js';
import { defineRule, where } from '../rule.js';

/** A file the change touched that could not be read completely (the pipeline anchors those on a `File`). */
const isFile = (c: PolicyChange): boolean => c.workload === null && c.anchor.resource.kind === 'File';

export default defineRule({
  id: 'analysis-incomplete',
  causes: ['unanalysable'],
  category: 'policy-ambiguous',
  severity: 'high',
  rationale:
    'mesh-review could not read or analyse part of what this change touched: a file it added or edited that is over a limit (size, documents, alias expansion, nesting), not UTF-8 YAML or JSON, or has a syntax error; or a policy too large to analyse within the configured limits; or an admin network policy rule with `nodes` or `domainNames` peers, which it does not model. Whatever the change did there is unknown, so the review fails closed rather than pass it unseen.',
  // No workload: a policy object the change touched (an admin network policy rule with `nodes` peers), named by kind and name.
  title: (c) =>
    isFile(c)
      ? `${c.anchor.resource.file} could not be read completely`
      : c.workload
        ? `${where(c)} could not be analysed`
        : `${c.anchor.resource.kind} ${c.anchor.resource.name} could not be analysed`,
  explain: (c) => c.facts.reason,
  fix: 'Fix what the message names (a syntax error, an encoding), or exclude the file in `.github/mesh-review.yml` if it holds no manifests. When it is a limit, raise the `limits:` key the message names (`maxFileBytes`, `maxDocuments`, `maxAliasNodes`, `maxMatcherStates`, `maxRepresentativePods`, `maxConnectionPairs`) in `.github/mesh-review.yml`, or split very long lists (principals, paths, hosts) into fewer, broader entries.',
});
