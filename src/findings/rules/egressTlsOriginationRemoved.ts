import { defineRule } from '../rule.js';

/**
 * Medium, not high like client-transport-weakened: the repository shows what the ServiceEntry says the
 * app sends (plaintext), not that any client still calls the host that lost its origination, and
 * the exposure is the path to an outside host, not a peer identity an in-mesh server authorizes on.
 */
export default defineRule({
  id: 'egress-tls-origination-removed',
  causes: ['egress-tls-removed'],
  category: 'mtls-weakened',
  severity: 'medium',
  rationale:
    'A DestinationRule had client sidecars originate TLS for an external host whose ServiceEntry port says the app speaks plaintext; without it, a client that relies on the sidecar sends that traffic unencrypted past the cluster.',
  title: (c) => `Sidecars no longer originate TLS to external ${c.facts.host}:${c.facts.port}`,
  fix: 'Keep a DestinationRule with `tls.mode: SIMPLE` (or MUTUAL) for every external host and port the app calls in plaintext, or declare the port `HTTPS`/`TLS` once the app does TLS itself.',
});
