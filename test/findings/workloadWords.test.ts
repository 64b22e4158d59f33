import { describe, expect, it } from 'vitest';
import { workloadWords } from '../../src/findings/workloadWords.js';

describe('workloadWords', () => {
  it.each([
    ['shop/payments', 'shop/payments'],
    ['any-namespace/*', 'pods in any other namespace'],
    ['shop/*', 'pods in namespace shop'],
    ['shop/{app=payments}', 'pods labelled app=payments in namespace shop'],
    ['any-namespace/{app=payments,tier=pci}', 'pods labelled app=payments,tier=pci in any other namespace'],
    // A real workload named like the namespace marker is still itself.
    ['any-namespace/web', 'any-namespace/web'],
  ])('%s → %s', (id, words) => {
    expect(workloadWords(id)).toBe(words);
  });
});
