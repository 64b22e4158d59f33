import type { Origin } from './access.js';
import type { PolicyChange } from './change.js';
import type { DiffContext } from './diffSides.js';
import type { EgressTlsView, MeshSide } from './meshSide.js';
import { refineAnchor, valueAt } from './refineAnchor.js';

/**
 * External hosts and ports whose plaintext the client sidecar encrypted before (TLS origination)
 * and now forwards as sent: registered without origination, or no longer registered while the
 * sidecar passes unknown hosts through (ALLOW_ANY). A host the app now speaks TLS to itself, or
 * one the sidecar now refuses (REGISTRY_ONLY), is no weakening. One change per causing line,
 * listing every port and client scope it affects.
 */
export function diffEgressTls(before: MeshSide, after: MeshSide, ctx: DiffContext): PolicyChange[] {
  const [b, a] = [before.egressTls, after.egressTls];
  if (!b || !a) return [];
  const groups: Groups = new Map();
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const va = fallback(a, key);
    const vb = fallback(b, key);
    if (!va || !vb || va.inputsKey === vb.inputsKey) continue;
    const clients = (a.get(key) ?? b.get(key))!.clients;
    for (const port of vb.ports) {
      try {
        compare(vb, va, port, clients, after.mesh, ctx, groups);
      } catch (error) {
        // Host sets too large to build within the limits: said as a finding that fails closed,
        // anchored on an entry of the port, while the other ports and scopes are still compared.
        const inAfter = va.decide(va.hosts(port)[0] ?? '', port)?.service;
        const on = inAfter ?? vb.decide(vb.hosts(port)[0] ?? '', port)?.service;
        if (!on) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        const change: PolicyChange = {
          cause: 'unanalysable',
          mesh: after.mesh,
          workload: null,
          port,
          anchor: on,
          side: inAfter ? 'after' : 'before',
          before: '',
          after: '',
          witness: null,
          scope: undefined,
          facts: { reason: `TLS origination toward external hosts on port ${port}: ${reason}` },
        };
        groups.set(`unanalysable|${key}|${port}`, { change, ports: [port], clients: [clients] });
      }
    }
  }
  return [...groups.values()].map(({ change, ports, clients }) => {
    if (change.cause === 'unanalysable') return change;
    const sorted = [...ports].sort((x, y) => x - y);
    const shown = clients.slice(0, 5).join(', ') + (clients.length > 5 ? ` and ${clients.length - 5} more` : '');
    return { ...change, port: sorted[0]!, ...(sorted.length > 1 ? { ports: sorted } : {}), after: `${change.after}; affects ${shown}` };
  });
}

type Groups = Map<string, { change: PolicyChange; ports: number[]; clients: string[] }>;

/** One scope's one port: the hosts whose origination was lost, one change per causing line. */
function compare(vb: EgressTlsView, va: EgressTlsView, port: number, clients: string, mesh: string, ctx: DiffContext, groups: Groups): void {
  const was = vb.originated(port);
  if (was.isEmpty) return;
  const plain = was.intersect(va.cleartext(port));
  const passed = va.passthrough ? was.subtract(va.registered(port)) : undefined;
  const lost = !plain.isEmpty ? plain : passed && !passed.isEmpty ? passed : undefined;
  if (!lost) return;
  const host = lost.sample(examples(vb, port)) ?? '';
  const found = anchorFor(host, port, vb, va, ctx);
  // The host was registered before (it was originated), so an entry carried it; a miss is a fault, and fails closed.
  if (!found) throw new Error(`no entry registered ${host}:${port} before, yet it was originated`);
  const [anchor, side] = found;
  const gk = `${anchor.resource.file}|${anchor.resource.docIndex}|${anchor.path.join('.')}|${side}`;
  const group = groups.get(gk);
  if (group) {
    if (!group.ports.includes(port)) group.ports.push(port);
    if (!group.clients.includes(clients)) group.clients.push(clients);
    return;
  }
  const rule = vb.decide(host, port)?.rule ?? 'a DestinationRule';
  const now = va.decide(host, port) ? 'registered without TLS origination' : 'no longer registered, and the sidecar passes it through as sent (ALLOW_ANY)';
  groups.set(gk, {
    ports: [port],
    clients: [clients],
    change: {
      cause: 'egress-tls-removed',
      mesh,
      workload: null,
      port,
      anchor,
      side,
      before: `the sidecar originated TLS (${rule}) for plaintext sent to ${host}:${port}`,
      after: `${host}:${port} is ${now}`,
      witness: `a client sending plaintext to ${host}:${port}, as the ServiceEntry declared, now puts it on the wire unencrypted`,
      scope: 'client',
      facts: { host, port },
    },
  });
}

/** A scope missing on one side gets the wider scope's answer there: `ns[labels]` falls back to `ns`, `ns` to `*`. */
function fallback(views: Map<string, EgressTlsView>, key: string): EgressTlsView | undefined {
  const wider = key.includes('[') ? key.slice(0, key.indexOf('[')) : '*';
  return views.get(key) ?? (key === '*' ? undefined : fallback(views, wider));
}

/** Hosts that read well in a witness: the registered names themselves, and names below each wildcard. */
function examples(view: EgressTlsView, port: number): string[] {
  const patterns = view.hosts(port);
  const exact = patterns.filter((p) => !p.startsWith('*'));
  const below = patterns
    .filter((p) => p.startsWith('*'))
    .flatMap((p) => ['api', 'storage', 'www'].map((label) => `${label}${p.startsWith('*.') ? '' : '.'}${p.slice(1)}`));
  return [...exact, ...below];
}

/**
 * The line that took the origination away. The after side's client TLS line when a rule still
 * decides (a DISABLE, a port entry without `tls`); else the rule that originated, edited or
 * deleted; else the registry entry that now carries the host (a more specific one) or that
 * carried it and no longer does.
 */
function anchorFor(host: string, port: number, b: EgressTlsView, a: EgressTlsView, ctx: DiffContext): [Origin, 'before' | 'after'] | undefined {
  const was = b.decide(host, port);
  const now = a.decide(host, port);
  if (!was) return undefined;
  if (!now) return moved(was.service, ctx);
  if (now.tls && !(unchangedAfter(now.tls, ctx) && was.tls && !unchangedBefore(was.tls, ctx))) {
    return [refineAnchor(now.tls, ctx.findBefore(now.tls.resource), { elsewhere: true }), 'after'];
  }
  if (was.tls && !unchangedBefore(was.tls, ctx)) return moved(was.tls, ctx);
  return [refineAnchor(now.service, ctx.findBefore(now.service.resource), { elsewhere: true }), 'after'];
}

/** A before-side line, located now: in its edited object (narrowed to what changed there), else on its deleted lines. */
function moved(origin: Origin, ctx: DiffContext): [Origin, 'before' | 'after'] {
  const now = ctx.findAfter(origin.resource);
  if (!now || valueAt(now.body, origin.path) === undefined) return [origin, 'before'];
  return [refineAnchor({ resource: now, path: origin.path }, origin.resource, { elsewhere: true }), 'after'];
}

const unchangedAfter = (o: Origin, ctx: DiffContext): boolean => ctx.findBefore(o.resource)?.hash === o.resource.hash;
const unchangedBefore = (o: Origin, ctx: DiffContext): boolean => ctx.findAfter(o.resource)?.hash === o.resource.hash;
