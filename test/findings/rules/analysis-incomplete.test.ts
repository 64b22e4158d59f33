import rule from '../../../src/findings/rules/analysisIncomplete.js';
import { resource, ruleTable, sampleChange } from './table.js';

/** The changes `analysis-incomplete` takes and its words for them (docs/rules/analysis-incomplete.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'a file that could not be read',
    change: sampleChange('unanalysable', { workload: null, port: null, anchor: { resource: resource({ kind: 'File', name: 'shop/authz.yaml' }), path: [] } }),
    title: 'shop/authz.yaml could not be read completely',
    severity: 'high',
    message: ['shop/authz.yaml: invalid YAML: bad indentation.'],
  },
  { name: 'a workload port too large to analyse', change: sampleChange('unanalysable'), title: 'shop/payments:8080 could not be analysed', severity: 'high' },
  {
    name: 'a policy rule it does not model',
    change: sampleChange('unanalysable', {
      workload: null,
      port: null,
      anchor: { resource: resource({ kind: 'AdminNetworkPolicy', name: 'tenant' }), path: ['spec'] },
    }),
    title: 'AdminNetworkPolicy tenant could not be analysed',
    severity: 'high',
  },
]);
