import { arr, get, str } from '../inventory/read.js';
import type { Workload } from '../inventory/inventory.js';
import type { Resource } from '../manifests/resource.js';
import type { StringSet } from './stringSet.js';
import { workloadKey, type ClientPath, type IngressView, type MeshSide, type PortEval, type Protocol, type WorkloadView } from './meshSide.js';
import type { AccessPolicy, Origin } from './access.js';
import { isHeldCause, makeChange, type Cause, type ChangeFields, type FactsOf, type PolicyChange } from './change.js';
import { diffAccess, type AccessDelta } from './diffAccess.js';
import { diffEgressTls } from './diffEgressTls.js';
import { DIM } from './requestSpace.js';
import { compareTransport, describeTransport } from './transport.js';
import { groupPorts } from './groupPorts.js';
import { refineAnchor, valueAt } from './refineAnchor.js';
import { describeRequest } from './witness.js';
import { candidatesFor } from './witnessCandidates.js';
import { decideRequest } from './decideRequest.js';
import { behind, reachCube, unionReach, type LowerLayer, type MeshIdentities } from './layers.js';
import type { Cube } from './requestSpace.js';

export interface DiffContext {
  candidates: (dim: string) => readonly string[];
  /** Finds the object with this identity on the `after` side (a policy that changed rather than vanished). */
  findAfter: (r: Resource) => Resource | undefined;
  /** The before-side object with the same identity, to point at what changed inside it. */
  findBefore: (r: Resource) => Resource | undefined;
  isDryRun: (r: Resource) => boolean;
  /** The enforcing layer under the mesh (NetworkPolicy), on the head side: a widening counts only where it gets through. */
  below?: LowerLayer | undefined;
}

/** The diff context of one mesh: where its mesh-wide policy lives decides a change's scope. */
interface SideContext extends DiffContext {
  rootNamespace: string | undefined;
  /** The root namespaces of both sides (they differ when the change moves it). */
  roots: ReadonlySet<string>;
  /** The mesh config line that moved the root namespace, when this change moved it. */
  rootShift: Shift;
  /** How the mesh names its peers (for the layer below to speak of them). */
  identities: MeshIdentities | undefined;
}

/** Compares two sides of one mesh: every place the answer to "who can reach what, how" changed. */
export function diffMeshSides(before: MeshSide, after: MeshSide, ctx: DiffContext): PolicyChange[] {
  const changes: PolicyChange[] = [];
  const roots = new Set([before.rootNamespace, after.rootNamespace].filter((r): r is string => r !== undefined));
  const rootLine = after.rootNamespaceOrigin ?? before.rootNamespaceOrigin;
  // Moving the root namespace makes root policies mesh-wide or not, untouched: the line that moved it is the cause.
  const rootShift: Shift =
    before.rootNamespace !== after.rootNamespace && rootLine
      ? after.rootNamespaceOrigin
        ? { anchor: refineAnchor(after.rootNamespaceOrigin, ctx.findBefore(after.rootNamespaceOrigin.resource)), side: 'after' }
        : { anchor: rootLine, side: 'before' }
      : undefined;
  const sideCtx: SideContext = { ...ctx, rootNamespace: after.rootNamespace, roots, rootShift, identities: after.identities };
  const predecessor = predecessors(before, after);
  for (const [key, a] of after.workloads) {
    const b = before.workloads.get(key) ?? predecessor.get(key);
    // New workloads had no answer before; unchanged inputs cannot change the answer.
    if (!b || b.inputsKey === a.inputsKey) continue;
    const ports = [...new Set([...b.ports, ...a.ports])].sort((x, y) => x - y);
    const own: PolicyChange[] = [];
    for (const port of ports.length > 0 ? ports : [null]) {
      try {
        diffPort(before.mesh, b, a, port, sideCtx, own);
      } catch (error) {
        // One workload's answer could not be computed (a policy too large to analyse): said as a
        // finding that fails closed, while the other workloads are still reviewed.
        const reason = error instanceof Error ? error.message : String(error);
        own.push(
          base(before.mesh, 'unanalysable', { resource: a.workload.resource, path: a.workload.templatePath }, 'after', a.workload, port, { facts: { reason } }),
        );
      }
    }
    changes.push(...groupPorts(own));
  }
  diffClientPaths(before, after, changes, ctx);
  diffEgress(before, after, changes, ctx);
  changes.push(...diffEgressTls(before, after, ctx));
  diffIngress(before, after, changes, predecessor);
  const seenAmbiguity = new Set(before.ambiguities.map((x) => x.key));
  for (const amb of after.ambiguities) {
    if (seenAmbiguity.has(amb.key)) continue;
    // Anchor on the competitor this change brought in, when there is one.
    const first = amb.resources.find((r) => ctx.findBefore(r)?.hash !== r.hash) ?? amb.resources[0]!;
    changes.push(
      base(after.mesh, 'ambiguous', { resource: first, path: ['metadata', 'name'] }, 'after', amb.workload, null, {
        facts: { conflict: amb.message },
        related: amb.resources,
      }),
    );
  }
  markExposed(after, changes);
  const invalidBefore = new Set(before.invalid.map((x) => `${x.resource.file}|${x.resource.hash}`));
  for (const inv of after.invalid) {
    if (invalidBefore.has(`${inv.resource.file}|${inv.resource.hash}`)) continue;
    // The object it replaces, when one of the same identity was there before (edited or moved): the rule weighs a new one apart.
    const previous = ctx.findBefore(inv.resource);
    changes.push(
      base(after.mesh, 'invalid', { resource: inv.resource, path: inv.path }, 'after', null, null, {
        facts: { problem: inv.message },
        ...(previous ? { related: [previous] } : {}),
      }),
    );
  }
  return changes;
}

/**
 * Workloads that replace one the PR removed: the same pods under a new kind
 * (Deployment → StatefulSet), a new name with the same pod labels, or a
 * namespace renamed as a whole. They
 * serve the same callers, so they are compared with what they replace; as new
 * workloads they would have no "before", and a sidecar dropped in the same
 * change would go unseen. After key → the before view it replaces.
 */
const MESH_LABEL = /^([a-z0-9.-]*\.)?(istio\.io|linkerd\.io|consul\.hashicorp\.com)\/|^istio-injection$/;

function predecessors(before: MeshSide, after: MeshSide): Map<string, WorkloadView> {
  const gone = [...before.workloads.entries()].filter(([k, v]) => !after.workloads.has(k) && !v.workload.potential).map(([, v]) => v);
  const found = new Map<string, WorkloadView>();
  if (gone.length === 0) return found;
  // The pods' identity labels: the mesh's own switches (injection, revision, data plane) are what a PR changes, not who the pods are.
  const labels = (v: WorkloadView) =>
    JSON.stringify(
      Object.entries(v.workload.labels)
        .filter(([k]) => !MESH_LABEL.test(k))
        .sort(),
    );
  const taken = new Set<WorkloadView>();
  const fresh = [...after.workloads.entries()].filter(([k, v]) => !before.workloads.has(k) && !v.workload.potential);
  // A namespace renamed as a whole: every workload of it moves to a namespace that had none.
  const namespaces = (side: MeshSide) => new Set([...side.workloads.values()].filter((v) => !v.workload.potential).map((v) => v.workload.namespace));
  const [nsBefore, nsAfter] = [namespaces(before), namespaces(after)];
  const renamed = (a: WorkloadView, b: WorkloadView) => !nsAfter.has(b.workload.namespace) && !nsBefore.has(a.workload.namespace);
  for (const same of [
    (a: WorkloadView, b: WorkloadView) => a.workload.namespace === b.workload.namespace && a.workload.name === b.workload.name,
    (a: WorkloadView, b: WorkloadView) => a.workload.namespace === b.workload.namespace && Object.keys(a.workload.labels).length > 0 && labels(a) === labels(b),
    (a: WorkloadView, b: WorkloadView) =>
      renamed(a, b) && a.workload.kind === b.workload.kind && a.workload.name === b.workload.name && labels(a) === labels(b),
    // Renamed with its labels (`-app` -> `-application` everywhere): the same software, the only one of its kind that left and came.
    (a: WorkloadView, b: WorkloadView) =>
      a.workload.namespace === b.workload.namespace &&
      a.workload.kind === b.workload.kind &&
      soleImages(a, fresh) ===
        soleImages(
          b,
          gone.map((g) => [workloadKey(g.workload), g] as const),
        ) &&
      soleImages(a, fresh) !== undefined,
  ]) {
    for (const [key, a] of fresh) {
      if (found.has(key)) continue;
      const b = gone.find((g) => !taken.has(g) && same(a, g));
      if (b) {
        found.set(key, b);
        taken.add(b);
      }
    }
  }
  return found;
}

/** The workload's container images, when no other workload of `among` in its namespace runs the same ones. */
function soleImages(v: WorkloadView, among: readonly (readonly [string, WorkloadView])[]): string | undefined {
  const images = (w: Workload) => {
    const spec = get(w.resource.body, ...w.templatePath.slice(0, -1), 'spec');
    const list = [...arr(get(spec, 'initContainers')), ...arr(get(spec, 'containers'))]
      .map((c) => str(get(c, 'image')))
      .filter((i): i is string => i !== undefined);
    return list.length > 0 ? JSON.stringify(list.sort()) : undefined;
  };
  const mine = images(v.workload);
  if (mine === undefined) return undefined;
  const alike = among.filter(([, o]) => o.workload.namespace === v.workload.namespace && images(o.workload) === mine);
  return alike.length === 1 ? mine : undefined;
}

function base<C extends Cause>(
  mesh: string,
  cause: C,
  anchor: Origin,
  side: 'before' | 'after',
  workload: PolicyChange['workload'],
  port: number | null,
  { facts, ...extra }: Partial<ChangeFields> & { facts: FactsOf<C> },
): PolicyChange {
  return makeChange(cause, facts, { mesh, workload, port, anchor, side, before: '', after: '', witness: null, scope: undefined, ...extra });
}

/** Scope of a PeerAuthentication-like decision from the anchor's resource. */
function scopeOf(origin: Origin | undefined, rootNamespace: string | undefined | ReadonlySet<string>): PolicyChange['scope'] {
  if (!origin) return undefined;
  if (origin.path.includes('portLevelMtls')) return 'port';
  const sel = (origin.resource.body.spec as Record<string, unknown> | undefined)?.selector as { matchLabels?: object } | undefined;
  // A Gateway's selector is a plain label map: it picks gateway pods, wherever the Gateway lives.
  const labels = origin.resource.kind === 'Gateway' ? sel : sel?.matchLabels;
  const hasSelector = labels !== undefined && labels !== null && Object.keys(labels).length > 0;
  if (hasSelector) return 'workload';
  const isRoot =
    typeof rootNamespace === 'string'
      ? origin.resource.namespace === rootNamespace
      : rootNamespace !== undefined && rootNamespace.has(origin.resource.namespace ?? '');
  if (isRoot) return 'mesh';
  return 'namespace';
}

function diffPort(mesh: string, b: WorkloadView, a: WorkloadView, port: number | null, ctx: SideContext, out: PolicyChange[]): void {
  const tb = b.evaluate(port);
  const ta = a.evaluate(port);
  const cmp = compareTransport(tb.transport.mode, ta.transport.mode);
  const w = a.workload;
  /** Where this port's transport change is anchored, if it changed: a request refused by it now is that change's doing. */
  let transportCause: Shift;
  const transportText = (t: PortEval) => `${t.transport.mode} (${describeTransport(t.transport.mode)}; ${t.transport.why})`;
  if (cmp !== 0) {
    const weaker = cmp < 0;
    const cause: Cause = !weaker
      ? 'transport-strengthened'
      : ta.transport.mode === 'UNMANAGED'
        ? a.dataPlane.proxied
          ? 'port-bypassed'
          : 'sidecar-removed'
        : 'transport-weakened';
    // A proxy lost where no field of the head decides it (the Namespace that enrolled the pods is
    // no longer declared): the field that enrolled them before, now deleted, is the cause.
    const lostEnrolment = cause === 'sidecar-removed' && !ta.transport.origin ? b.dataPlane.origin : undefined;
    const { anchor, side, decider } = transportAnchor(ta.transport.origin, lostEnrolment ?? tb.transport.origin, ctx, a, ta.transport.mode !== 'UNMANAGED');
    if (anchor) transportCause = { anchor, side };
    // On a port only a policy names, either way is said, with the doubt (undeclaredPortNotes).
    if (anchor) {
      out.push(
        base(mesh, cause, anchor, side, w, port, {
          before: transportText(tb),
          after: transportText(ta),
          scope: scopeOf(decider, ctx.roots),
          witness: weaker ? describeRequest({ principal: '' }, port, 'tcp') : null,
          facts: transportFacts(cause, b, a),
          ...undeclaredPortNotes(anchor, b, a, port),
        }),
      );
    }
  }
  const protocols = Object.keys(ta.access) as Protocol[];
  // A port's protocol, or the mesh's trust domain, moved under unchanged policies: that field is the cause.
  const shift = protocolShift(tb, ta, ctx) ?? identityShift(ta, ctx);
  const grouped = new Map<string, PolicyChange>();
  // Asked only of a port whose mesh answer grew: what reaches the others is never needed.
  let reachedMemo: ReturnType<typeof reachedCube> | null = null;
  const reachedOnce = () => (reachedMemo === null ? (reachedMemo = reachedCube(a, port, ctx)) : reachedMemo);
  for (const protocol of protocols) {
    const pa = ta.access[protocol]!;
    const pb = tb.access[protocol] ?? Object.values(tb.access)[0];
    if (!pb) continue;
    const candidates = { candidates: candidatesFor([pb, pa], ctx.candidates) };
    const diff = diffAccess(pb, pa, candidates);
    const moved = b.workload.namespace !== a.workload.namespace ? { from: b.workload.namespace, to: a.workload.namespace } : undefined;
    // Layers judged together: what the mesh now admits counts only where the layer below lets it
    // through (the same on both sides, so the difference is the mesh's, restricted to that).
    let broadened = diff.broadened;
    const reached = broadened.length > 0 ? reachedOnce() : undefined;
    if (reached) {
      const through = diffAccess(behind(pb, reached.cube), behind(pa, reached.cube), candidates);
      if (through.broadened.length === 0 && !through.truncated) {
        const held = heldChange(mesh, diff.broadened, pb, pa, ctx, a, shift ?? issuerShift(diff.broadened[0]!, ta, ctx), reached.port, protocol, reached);
        if (held?.cause === 'layer-held') grouped.set(`held|${held.facts.held}|${held.anchor.resource.file}|${held.anchor.path.join('.')}`, held);
      }
      // A search cut short proves nothing held: what it found, or else what the mesh alone admits.
      if (!through.truncated || through.broadened.length > 0) broadened = through.broadened;
    }
    for (const delta of broadened) {
      // A namespace renamed with its callers: `ns/store/sa/payments` now stands where `ns/shop/sa/payments` stood.
      if (moved && sameModuloRename(delta.witness, pb, moved.to, moved.from)) continue;
      const c = classifyBroadening(delta, pb, pa, ctx, a, shift ?? issuerShift(delta, ta, ctx));
      if (!c) continue;
      const gk = `${c.cause}|${c.anchor.resource.file}|${c.anchor.resource.docIndex}|${c.anchor.path.join('.')}|${c.side}`;
      if (grouped.has(gk)) continue;
      grouped.set(
        gk,
        base(mesh, c.cause, c.anchor, c.side, w, port, {
          witness: describeRequest(delta.witness, port, protocol),
          before: verdictText(delta.before),
          after: verdictText(delta.after),
          scope: c.scope,
          facts: {},
        }),
      );
    }
    // Also on a port only a policy names: an ALLOW whose only rule (on such a port) becomes
    // allow-nothing takes away all the access it granted, and must not read as "no findings".
    for (const delta of diff.narrowed.filter((d) => !(moved && sameModuloRename(d.witness, pa, moved.from, moved.to))).slice(0, 1)) {
      const [anchor, side] = narrowAnchor(delta, pa, pb, ctx, a, shift, transportCause);
      if (!anchor) continue;
      const gk = `narrow|${port}`;
      if (grouped.has(gk)) continue;
      grouped.set(
        gk,
        base(mesh, 'access-narrowed', anchor, side, w, port, {
          witness: describeRequest(delta.witness, port, protocol),
          before: verdictText(delta.before),
          after: verdictText(delta.after),
          facts: {},
        }),
      );
    }
  }
  for (const c of grouped.values()) out.push({ ...c, ...undeclaredPortNotes(c.anchor, b, a, port) });
}

/** What the layer below lets reach this port of the workload (head side), when it holds anything back. */
function reachedCube(
  a: WorkloadView,
  port: number | null,
  ctx: SideContext,
): { cube: Cube; layer: string; holders: Resource[]; port: number; assumption: string } | undefined {
  if (!ctx.below || !ctx.identities || port === null || !a.wirePorts) return undefined;
  const below = ctx.below;
  const meshed = unionReach(a.wirePorts(port).map((wire) => below.reach(a.workload, port, wire)));
  const plain = below.reach(a.workload, port, port);
  const cube = reachCube(meshed, plain, ctx.identities);
  if (!cube) return undefined;
  const holders = [meshed, plain].flatMap((r) => (r.kind === 'filtered' ? r.holders : []));
  return { cube, layer: below.name, holders: [...new Set(holders)], port, assumption: below.assumption };
}

/**
 * A widening the layer below holds whole: said once, as info, where the mesh's finding would have
 * been (its cause and line), naming the layer and the objects that still hold.
 */
function heldChange(
  mesh: string,
  deltas: readonly AccessDelta[],
  pb: AccessPolicy,
  pa: AccessPolicy,
  ctx: SideContext,
  a: WorkloadView,
  shift: Shift,
  port: number,
  protocol: Protocol,
  reached: { layer: string; holders: Resource[]; assumption: string },
): PolicyChange | undefined {
  for (const delta of deltas) {
    const c = classifyBroadening(delta, pb, pa, ctx, a, shift);
    if (!c) continue;
    const held = c.cause;
    // Transport and the other causes are never held: only widenings of access.
    if (!isHeldCause(held)) continue;
    return base(mesh, 'layer-held', c.anchor, c.side, a.workload, port, {
      witness: describeRequest(delta.witness, port, protocol),
      before: verdictText(delta.before),
      after: verdictText(delta.after),
      scope: c.scope,
      facts: {
        held,
        layer: reached.layer,
        holders: reached.holders.map((r) => `${r.kind} ${r.namespace ?? ''}/${r.name}`),
        morePeers: 0,
      },
      notes: [reached.assumption],
    });
  }
  return undefined;
}

function verdictText(v: AccessDelta['before']): string {
  const text = reasonText(v);
  // Possibly allowed: the external authorizer (CUSTOM) still has its say, and its answer is unknown.
  const ext = v.external?.origin.resource;
  return ext && v.reason.kind !== 'custom'
    ? `${text}, unless the external authorizer that ${ext.kind} ${ext.namespace ?? ''}/${ext.name} sends it to refuses it`
    : text;
}

function reasonText(v: AccessDelta['before']): string {
  const r = v.reason;
  const where = (o: Origin | undefined) => (o ? `${o.resource.kind} ${o.resource.namespace ?? ''}/${o.resource.name}`.replace(' /', ' ') : 'the default');
  switch (r.kind) {
    case 'transport':
      return `refused by transport (${where(r.origin)} requires mTLS)`;
    case 'unenforced':
      return 'admitted: no proxy enforces mesh policy';
    case 'deny':
      return `denied by ${where(r.clause.origin)}`;
    case 'custom':
      return `sent to external authorization by ${where(r.clause.origin)}`;
    case 'no-allow-policy':
      return 'allowed: no ALLOW policy applies';
    case 'allow':
      return `allowed by ${where(r.clause.origin)}`;
    case 'no-allow-match':
      return `denied: no rule of ${r.origins.map(where).join(', ') || 'the ALLOW policies'} matches`;
  }
}

/** Whether a port is one the workload declares (container or Service target port) on either side. */
function declared(b: WorkloadView, a: WorkloadView, port: number | null): boolean {
  if (port === null || a.workload.potential || !a.declaredPorts) return true;
  return a.declaredPorts.includes(port) || (b.declaredPorts ?? []).includes(port);
}

/**
 * A port the workload declares nowhere, named only by a policy (a `portLevelMtls`
 * key, an AuthorizationPolicy `ports` entry): applied as written, since a pod may
 * listen on ports it does not declare, with the doubt said. Policy port keys are
 * target ports, and a Service port used as one changes nothing on the port it
 * forwards to.
 */
function undeclaredPortNotes(anchor: Origin, b: WorkloadView, a: WorkloadView, port: number | null): { notes?: string[] } {
  if (declared(b, a, port)) return {};
  const w = a.workload;
  const known = a.declaredPorts ?? [];
  const which = `${w.namespace}/${w.name} declares no port ${port}${known.length > 0 ? ` (it declares ${known.join(', ')})` : ''}; only a policy names it.`;
  const field = anchor.path.includes('portLevelMtls') ? 'portLevelMtls keys' : 'Policy ports';
  return {
    notes: [`${which} ${field} are the workload's target ports, not Service ports: if ${port} is a Service port, the port it forwards to is unaffected.`],
  };
}

/**
 * Facts for the rule's severity and words: whether the workload that lost its proxy had
 * policies (`governed`), whether the proxy lost or bypassed is ambient's ztunnel rather
 * than a sidecar (`ambient`), and whether a weakened transport is a gateway's (`gateway`).
 */
function transportFacts(cause: Cause, b: WorkloadView, a: WorkloadView): FactsOf<Cause> {
  if (cause === 'sidecar-removed') return { governed: b.governed, ambient: b.dataPlane.kind === 'ambient' };
  if (cause === 'port-bypassed') return { ambient: a.dataPlane.kind === 'ambient' };
  // A gateway's transport is its Gateway server's TLS, not a PeerAuthentication.
  if (cause === 'transport-weakened') return { gateway: a.dataPlane.kind === 'gateway' };
  return {};
}

/** Prefer the after-side field that now decides; fall back to the before-side field that used to. */
function anchorFor(afterOrigin: Origin | undefined, beforeOrigin: Origin | undefined, ctx: DiffContext): [Origin | undefined, 'before' | 'after'] {
  if (afterOrigin) return [afterOrigin, 'after'];
  if (beforeOrigin) {
    const still = ctx.findAfter(beforeOrigin.resource);
    if (still) return [{ resource: still, path: beforeOrigin.path }, 'after'];
    return [beforeOrigin, 'before'];
  }
  return [undefined, 'after'];
}

/**
 * Where a port's transport changed, and the policy whose change it was. When
 * the policy that decides now is unchanged and another decided before, the
 * change is that other one's (edited, deleted, or no longer selecting the
 * workload): a workload STRICT policy whose selector stops matching leaves the
 * unchanged mesh-wide PERMISSIVE in charge, and the finding is the workload
 * policy's (its scope, its line), not the mesh-wide one's.
 */
function transportAnchor(
  afterOrigin: Origin | undefined,
  beforeOrigin: Origin | undefined,
  ctx: SideContext,
  view: WorkloadView,
  /** The decider is a policy (not a workload's injection or bypass field), whose other fields can be the cause. */
  policy: boolean,
): { anchor: Origin | undefined; side: 'before' | 'after'; decider: Origin | undefined } {
  const sameObject = afterOrigin && beforeOrigin && ctx.findAfter(beforeOrigin.resource) === afterOrigin.resource;
  if (beforeOrigin && !sameObject && (!afterOrigin || unchanged(afterOrigin, ctx))) {
    const f = formerDecider(beforeOrigin, ctx, view, undefined);
    return { anchor: f.anchor, side: f.side, decider: beforeOrigin };
  }
  if (afterOrigin) {
    return { anchor: refineAnchor(afterOrigin, ctx.findBefore(afterOrigin.resource), { elsewhere: policy }), side: 'after', decider: afterOrigin };
  }
  return { anchor: undefined, side: 'after', decider: undefined };
}

/** Where a port's protocol changed (a Service port renamed `tcp-` → `http-`), when it did. */
type Shift = { anchor: Origin; side: 'before' | 'after' } | undefined;

/**
 * The field that changed the protocols a port may carry. HTTP-only rule fields
 * match nothing on TCP (DENY rules then match all, ALLOW rules none), so a
 * rename alone can change who gets through an unchanged policy.
 */
function protocolShift(tb: PortEval, ta: PortEval, ctx: DiffContext): Shift {
  const key = (e: PortEval) => Object.keys(e.access).sort().join(',');
  if (key(tb) === key(ta)) return undefined;
  if (ta.protocolOrigin) return { anchor: refineAnchor(ta.protocolOrigin, ctx.findBefore(ta.protocolOrigin.resource)), side: 'after' };
  const [anchor, side] = anchorFor(undefined, tb.protocolOrigin, ctx);
  return anchor ? { anchor, side } : undefined;
}

/**
 * A request principal let in by a RequestAuthentication change: tokens of a newly
 * accepted issuer now satisfy an unchanged `requestPrincipals` rule, and the
 * jwtRules line that accepts them is the cause.
 */
function issuerShift(d: AccessDelta, ta: PortEval, ctx: DiffContext): Shift {
  const rp = d.witness[DIM.requestPrincipal];
  if (!rp || !ta.issuerOrigin) return undefined;
  const origin = ta.issuerOrigin(rp.slice(0, Math.max(0, rp.lastIndexOf('/'))));
  if (!origin || unchanged(origin, ctx)) return undefined;
  return { anchor: refineAnchor(origin, ctx.findBefore(origin.resource)), side: 'after' };
}

/** The mesh config line that changed which identities a policy's principals name (trust domain, aliases). */
function identityShift(ta: PortEval, ctx: DiffContext): Shift {
  const origin = ta.identityOrigin;
  if (!origin) return undefined;
  return { anchor: refineAnchor(origin, ctx.findBefore(origin.resource)), side: 'after' };
}

/** The root-namespace move, when `origin` is a policy of the old or the new root namespace. */
function rootShiftFor(origin: Origin, ctx: SideContext): Shift {
  return ctx.rootShift && ctx.roots.has(origin.resource.namespace ?? '') ? ctx.rootShift : undefined;
}

/**
 * Whether the other side decides the same request alike once the caller's
 * namespace is renamed back: a request from `ns/<from>/…` that `other` lets
 * through as `ns/<to>/…` is the same caller under its new name.
 */
function sameModuloRename(witness: Record<string, string>, other: AccessPolicy, from: string, to: string): boolean {
  const principal = witness[DIM.principal];
  if (!principal || !principal.includes(`/ns/${from}/`)) return false;
  return decideRequest(other, { ...witness, [DIM.principal]: principal.replace(`/ns/${from}/`, `/ns/${to}/`) });
}

/** Whether `origin`'s object is the same on both sides: then what changed the decision is elsewhere. */
const unchanged = (origin: Origin, ctx: DiffContext): boolean => ctx.findBefore(origin.resource)?.hash === origin.resource.hash;

/**
 * A field that decided before, located now: on its edited self (narrowed to what changed), on its
 * deleted lines when it is gone, on the port's protocol when the policy is unchanged but the
 * protocol moved, or on the workload's labels when the policy is unchanged but no longer selects
 * the workload.
 */
function formerDecider(origin: Origin, ctx: SideContext, view: WorkloadView, shift: Shift): { anchor: Origin; side: 'before' | 'after'; dryRun: boolean } {
  const still = ctx.findAfter(origin.resource);
  if (!still) return { anchor: origin, side: 'before', dryRun: false };
  if (ctx.isDryRun(still)) return { anchor: { resource: still, path: ['metadata', 'annotations', 'istio.io/dry-run'] }, side: 'after', dryRun: true };
  if (still.hash === origin.resource.hash) {
    if (shift) return { ...shift, dryRun: false };
    const moved = rootShiftFor(origin, ctx);
    if (moved) return { ...moved, dryRun: false };
    const w = view.workload;
    if (!w.potential) {
      const labels: Origin = { resource: w.resource, path: [...w.templatePath, 'labels'] };
      return { anchor: refineAnchor(labels, ctx.findBefore(w.resource)), side: 'after', dryRun: false };
    }
  }
  if (valueAt(still.body, origin.path) === undefined) return { anchor: origin, side: 'before', dryRun: false };
  return { anchor: refineAnchor({ resource: still, path: origin.path }, origin.resource, { elsewhere: true }), side: 'after', dryRun: false };
}

function classifyBroadening(
  d: AccessDelta,
  pb: AccessPolicy,
  pa: AccessPolicy,
  ctx: SideContext,
  view: WorkloadView,
  shift: Shift,
): { cause: Cause; anchor: Origin; side: 'before' | 'after'; scope?: PolicyChange['scope'] } | undefined {
  const rb = d.before.reason;
  const ra = d.after.reason;
  if (ra.kind === 'unenforced') {
    const anchor = ra.origin ?? pb.universeOrigin ?? pb.allowOrigins[0];
    // A proxy that is still there but bypassed on this port is a port-level loss, not a whole workload's.
    const scope = view.dataPlane.proxied ? 'port' : 'workload';
    return anchor ? { cause: 'policies-unenforceable', anchor, side: ra.origin ? 'after' : 'before', scope } : undefined;
  }
  if (rb.kind === 'transport') {
    // The same place, side and scope as the transport finding of the port.
    const { anchor, side } = transportAnchor(pa.universeOrigin, rb.origin, ctx, view, true);
    return anchor ? { cause: 'plaintext-allowed', anchor, side } : undefined;
  }
  if (rb.kind === 'deny' || rb.kind === 'custom') {
    const f = formerDecider(rb.clause.origin, ctx, view, shift);
    return { cause: f.dryRun ? 'policy-dry-run' : rb.kind === 'deny' ? 'deny-weakened' : 'custom-removed', anchor: f.anchor, side: f.side };
  }
  if (rb.kind === 'no-allow-match') {
    if (ra.kind === 'allow') {
      const scope = scopeOf(ra.clause.origin, ctx.rootNamespace);
      const moved = shift ?? rootShiftFor(ra.clause.origin, ctx);
      if (moved && unchanged(ra.clause.origin, ctx)) return { cause: 'allow-broadened', ...moved, scope };
      // An unchanged rule that allows more now: what changed elsewhere in its policy (the `action`, the selector) is the cause.
      const anchor = refineAnchor(ra.clause.origin, ctx.findBefore(ra.clause.origin.resource), { elsewhere: true });
      return { cause: 'allow-broadened', anchor, side: 'after', scope };
    }
    const first = rb.origins[0];
    if (!first) return undefined;
    const f = formerDecider(first, ctx, view, shift);
    return { cause: f.dryRun ? 'policy-dry-run' : 'allow-all-restored', anchor: f.anchor, side: f.side, scope: scopeOf(first, ctx.rootNamespace) };
  }
  return undefined;
}

/**
 * Where a narrowing is anchored: on the changed or deleted object that caused it, as its
 * broadening counterpart would be, never on an unchanged policy that merely decides now
 * (a workload PERMISSIVE exception deleted under a mesh-wide STRICT is the deleted
 * exception's doing, not the mesh-wide file's). A request the transport refuses now is
 * the transport change's: the same line as the port's `mtls-strengthened` finding.
 */
function narrowAnchor(
  d: AccessDelta,
  pa: AccessPolicy,
  pb: AccessPolicy,
  ctx: SideContext,
  view: WorkloadView,
  shift: Shift,
  transportCause: Shift,
): [Origin | undefined, 'before' | 'after'] {
  const ra = d.after.reason;
  const rb = d.before.reason;
  if (ra.kind === 'transport' || (rb.kind === 'unenforced' && transportCause)) {
    if (transportCause) return [transportCause.anchor, transportCause.side];
    const { anchor, side } = transportAnchor(pa.universeOrigin, pb.universeOrigin, ctx, view, true);
    return [anchor, side];
  }
  if (ra.kind === 'deny' || ra.kind === 'custom') {
    const c = currentDecider(ra.clause.origin, ctx, view, shift);
    return [c.anchor, c.side];
  }
  if (ra.kind === 'no-allow-match') {
    // The rule that used to allow it, wherever it is now; else the ALLOW policy that switched on deny-by-default.
    if (rb.kind === 'allow') {
      const f = formerDecider(rb.clause.origin, ctx, view, shift);
      return [f.anchor, f.side];
    }
    const fresh = ra.origins.find((o) => ctx.findBefore(o.resource) === undefined);
    if (fresh) return [fresh, 'after'];
    const first = ra.origins[0];
    if (!first) return [undefined, 'after'];
    const c = currentDecider(first, ctx, view, shift);
    return [c.anchor, c.side];
  }
  return [undefined, 'after'];
}

/**
 * A field that decides now, located at the change that made it decide: inside its object
 * when that changed (its rule, or another field such as a selector or the dry-run
 * annotation); else the protocol or trust-domain shift, the root-namespace move, or the
 * workload's labels that it now selects.
 */
function currentDecider(origin: Origin, ctx: SideContext, view: WorkloadView, shift: Shift): { anchor: Origin; side: 'before' | 'after' } {
  const previous = ctx.findBefore(origin.resource);
  if (!previous) return { anchor: origin, side: 'after' };
  if (previous.hash !== origin.resource.hash) return { anchor: refineAnchor(origin, previous, { elsewhere: true }), side: 'after' };
  if (shift) return shift;
  const moved = rootShiftFor(origin, ctx);
  if (moved) return moved;
  const w = view.workload;
  if (!w.potential) {
    const labels: Origin = { resource: w.resource, path: [...w.templatePath, 'labels'] };
    const before = ctx.findBefore(w.resource);
    if (before && before.hash !== w.resource.hash) return { anchor: refineAnchor(labels, before), side: 'after' };
  }
  return { anchor: origin, side: 'after' };
}

/** Client scopes narrow from `*` to `ns` to `ns[labels]`; a scope absent on one side gets its wider scope's result. */
function clientPathFallback(paths: MeshSide['clientPaths'], key: string): ClientPath | undefined {
  let k = key;
  for (;;) {
    const hit = paths.get(k);
    if (hit) return hit;
    const cut = k.lastIndexOf(':');
    const scope = k.slice(cut + 1);
    if (scope === '*') return undefined;
    const wider = scope.includes('[') ? scope.slice(0, scope.indexOf('[')) : '*';
    k = `${k.slice(0, cut)}:${wider}`;
  }
}

function diffClientPaths(before: MeshSide, after: MeshSide, out: PolicyChange[], ctx: DiffContext): void {
  for (const key of new Set([...after.clientPaths.keys(), ...before.clientPaths.keys()])) {
    const a = clientPathFallback(after.clientPaths, key);
    const b = clientPathFallback(before.clientPaths, key);
    if (!a || !b || b.sends !== 'mtls' || a.sends === 'mtls' || !a.origin) continue;
    // A narrower scope that falls back to the same path on both sides changed nothing of its own.
    if (!after.clientPaths.has(key) && !before.clientPaths.has(key)) continue;
    const accepts = a.serverAccepts !== 'STRICT';
    const clients = after.clientPaths.get(key)?.clients ?? before.clientPaths.get(key)?.clients ?? a.clients;
    const [anchor, side] = clientPathAnchor(a.origin, b.origin, ctx);
    out.push(
      base(after.mesh, accepts ? 'client-plaintext' : 'client-tls-breaks', anchor, side, a.workload, a.port, {
        before: `${clients} sent Istio mTLS to ${a.host}`,
        after: `${clients} send ${a.sends === 'plaintext' ? 'plaintext' : 'TLS without Istio identity'} to ${a.host}; the server is ${a.serverAccepts}`,
        witness: `${clients} calling ${a.host}${a.port === null ? '' : `:${a.port}`} now send ${a.sends === 'plaintext' ? 'plaintext' : 'non-Istio TLS'}`,
        scope: 'client',
        // What the clients now send, for the rule's words.
        facts: { sends: a.sends },
      }),
    );
  }
}

/**
 * The DestinationRule change behind a client path's change. A rule whose mode is
 * untouched can start to apply through another field (exportTo, host,
 * workloadSelector), or because the rule that shadowed it (a more specific
 * host, an ISTIO_MUTUAL) was edited or deleted: then that rule is the cause.
 */
function clientPathAnchor(afterOrigin: Origin, beforeOrigin: Origin | undefined, ctx: DiffContext): [Origin, 'before' | 'after'] {
  const formerStill = beforeOrigin ? ctx.findAfter(beforeOrigin.resource) : undefined;
  if (beforeOrigin && unchanged(afterOrigin, ctx) && formerStill !== afterOrigin.resource) {
    if (!formerStill) return [beforeOrigin, 'before'];
    if (formerStill.hash !== beforeOrigin.resource.hash) {
      return [refineAnchor({ resource: formerStill, path: beforeOrigin.path }, beforeOrigin.resource, { elsewhere: true }), 'after'];
    }
  }
  return [refineAnchor(afterOrigin, ctx.findBefore(afterOrigin.resource), { elsewhere: true }), 'after'];
}

function diffEgress(before: MeshSide, after: MeshSide, out: PolicyChange[], ctx: DiffContext): void {
  // Many workloads share one egress decision: one finding per deciding line, naming who gained what.
  const groups = new Map<string, { change: PolicyChange; scopes: string[] }>();
  for (const [key, a] of after.egress) {
    const b = before.egress.get(key);
    if (!b || a.hosts.key === b.hosts.key) continue;
    const added = a.hosts.subtract(b.hosts);
    if (added.isEmpty) continue;
    const host = added.sample(['example.com', 'attacker.example', 'api.github.com', 'www.googleapis.com']) ?? '';
    let anchor = a.originFor?.(host) ?? a.origin ?? b.origin;
    // The entry that declares the host is unchanged, but what imports it (a Sidecar's egress hosts) widened.
    const via = anchor && unchanged(anchor, ctx) ? a.importOriginFor?.(host) : undefined;
    if (via && !unchanged(via, ctx)) anchor = refineAnchor(via, ctx.findBefore(via.resource));
    if (!anchor) continue;
    const gk = `${anchor.resource.file}|${anchor.resource.docIndex}|${anchor.path.join('.')}`;
    const group = groups.get(gk);
    if (group) {
      if (!group.scopes.includes(a.scope)) group.scopes.push(a.scope);
      continue;
    }
    const change = base(after.mesh, 'egress-broadened', anchor, a.origin ? 'after' : 'before', null, null, {
      before: b.why,
      after: a.why,
      witness: `${oneWorkloadOf(a.scope)} connecting to ${host || '(any host)'}`,
      facts: { anyHost: a.mode === 'ALLOW_ANY' },
    });
    groups.set(gk, { change, scopes: [a.scope] });
  }
  for (const { change, scopes } of groups.values()) {
    const shown = scopes.slice(0, 5).map(workloadsOf).join(', ') + (scopes.length > 5 ? ` and ${scopes.length - 5} more` : '');
    out.push({ ...change, after: `${change.after}; affects ${shown}` });
  }
}

/**
 * An egress scope is a place ("namespace shop (Sidecar shop/default)") or
 * already a set of workloads ("workloads selected by Sidecar shop/web"); the
 * words around it must not say "workloads in workloads …".
 */
const namesWorkloads = (scope: string): boolean => scope.startsWith('workloads ');
const workloadsOf = (scope: string): string => (namesWorkloads(scope) ? scope : `workloads in ${scope}`);
const oneWorkloadOf = (scope: string): string => (namesWorkloads(scope) ? `one of the ${scope}` : `a workload in ${scope}`);

function diffIngress(before: MeshSide, after: MeshSide, out: PolicyChange[], predecessor: ReadonlyMap<string, WorkloadView>): void {
  // What each workload port (and each backend) was reachable under through each gateway before,
  // whatever the backend was called: a Service renamed (with its workload) behind an unchanged
  // route exposes nothing new. A gateway is matched by its resolved name or by its identity
  // (`gatewayId`), so neither a route that changed namespace toward a gateway the repository
  // does not define, nor a Gateway object that left the repository, reads as a new gateway.
  const reachedBefore = new Map<string, StringSet[]>();
  const remember = (k: string, hosts: StringSet) => reachedBefore.set(k, [...(reachedBefore.get(k) ?? []), hosts]);
  const reachKey = (w: Workload, port: number | null, gateway: string) => `${workloadKey(w)}|${port ?? '*'}|${gateway}`;
  const gatewaysOf = (v: IngressView) => (v.gatewayId === v.gateway ? [v.gateway] : [v.gateway, v.gatewayId]);
  for (const v of before.ingress.values()) {
    for (const g of gatewaysOf(v)) {
      remember(`backend|${v.backend}|${g}`, v.hosts);
      for (const t of v.targets ?? []) remember(reachKey(t.workload, t.port, g), v.hosts);
    }
  }
  for (const a of after.ingress.values()) {
    const byBackend = gatewaysOf(a).flatMap((g) => reachedBefore.get(`backend|${a.backend}|${g}`) ?? []);
    const targets = a.targets && a.targets.length > 0 ? a.targets : [{ workload: null, port: null }];
    for (const t of targets) {
      // Already reachable from any outside address on that port (a public load balancer before): a second way in, not new reach.
      if (t.workload && t.port !== null && before.exposedOutside?.has(`${workloadKey(t.workload)}|${t.port}`)) continue;
      const prior = t.workload ? (predecessor.get(workloadKey(t.workload))?.workload ?? t.workload) : undefined;
      const hostsBefore = [...byBackend, ...(prior ? gatewaysOf(a).flatMap((g) => reachedBefore.get(reachKey(prior, t.port, g)) ?? []) : [])];
      const added = hostsBefore.reduce((rest, h) => rest.subtract(h), a.hosts);
      if (added.isEmpty || !a.origin) continue;
      const host = added.sample(['example.com', 'www.example.com']) ?? '';
      out.push(
        base(after.mesh, 'ingress-exposed', a.originFor?.(host) ?? a.origin, 'after', t.workload, t.port, {
          before: hostsBefore.length > 0 ? `reachable through ${a.gateway} for some hosts` : `not routed from gateway ${a.gateway}`,
          after: `${a.backend} reachable through gateway ${a.gateway}`,
          witness: `an external client requesting Host: ${host || '(any host)'} through gateway ${a.gateway}, routed to ${a.backend}`,
          facts: { backend: a.backend },
        }),
      );
    }
  }
}

/** A weakening on a workload that a gateway exposes weighs one level more (mesh-semantics §6). */
function markExposed(after: MeshSide, changes: PolicyChange[]): void {
  const exposed = new Map<string, string>();
  for (const view of after.ingress.values()) for (const t of view.targets ?? []) exposed.set(workloadKey(t.workload), view.gateway);
  for (const c of changes) {
    if (!c.workload || c.cause === 'ingress-exposed') continue;
    const gateway = exposed.get(workloadKey(c.workload));
    if (gateway) c.escalation = `the workload is reachable from outside through gateway ${gateway}`;
  }
}
