import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'port-bypasses-proxy',
  causes: ['port-bypassed'],
  category: 'mtls-weakened',
  severity: 'high',
  rationale:
    "Inbound traffic on this port no longer passes through the proxy (the sidecar, or ambient mode's ztunnel): no mTLS, and no AuthorizationPolicy is enforced on it.",
  title: (c) => {
    const proxy = c.facts.ambient ? 'ztunnel' : 'the sidecar';
    if (c.port === null) return `Inbound traffic bypasses ${proxy} on ${where(c)}`;
    // Several ports: `where` names them.
    return c.ports && c.ports.length > 1 ? `Ports bypass ${proxy} on ${where(c)}` : `Port ${c.port} bypasses ${proxy} on ${where(c)}`;
  },
  fix: 'Remove the port from `traffic.sidecar.istio.io/excludeInboundPorts` (or add it back to `includeInboundPorts`); for an ambient pod, remove `ambient.istio.io/bypass-inbound-capture`.',
});
