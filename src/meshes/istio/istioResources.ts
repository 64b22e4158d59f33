import type { Inventory } from '../../inventory/inventory.js';
import type { Resource } from '../../manifests/resource.js';
import { parseSpec, type InvalidResource } from '../invalidResource.js';
import {
  AuthorizationPolicySpec,
  DestinationRuleSpec,
  GatewaySpec,
  PeerAuthenticationSpec,
  RequestAuthenticationSpec,
  ServiceEntrySpec,
  SidecarSpec,
  VirtualServiceSpec,
} from './schemas.js';

export interface Typed<S> {
  resource: Resource;
  namespace: string;
  spec: S;
}

export interface IstioResources {
  peerAuthentications: Typed<PeerAuthenticationSpec>[];
  authorizationPolicies: Typed<AuthorizationPolicySpec>[];
  requestAuthentications: Typed<RequestAuthenticationSpec>[];
  destinationRules: Typed<DestinationRuleSpec>[];
  sidecars: Typed<SidecarSpec>[];
  serviceEntries: Typed<ServiceEntrySpec>[];
  gateways: Typed<GatewaySpec>[];
  virtualServices: Typed<VirtualServiceSpec>[];
  invalid: InvalidResource[];
}

const SECURITY_VERSIONS = new Set(['security.istio.io/v1beta1', 'security.istio.io/v1']);
const NETWORKING_VERSIONS = new Set(['networking.istio.io/v1alpha3', 'networking.istio.io/v1beta1', 'networking.istio.io/v1']);
const REMOVED_GROUPS = ['authentication.istio.io/', 'rbac.istio.io/'];

/** Validates every Istio object once; invalid ones are set aside as absent. */
export function collectIstioResources(inv: Inventory): IstioResources {
  const invalid: InvalidResource[] = [];
  const pick = <S extends import('zod').ZodType>(kind: string, versions: Set<string>, schema: S): Typed<import('zod').infer<S>>[] => {
    const out: Typed<import('zod').infer<S>>[] = [];
    for (const r of inv.byKind.get(kind) ?? []) {
      if (!sameGroup(r.apiVersion, versions)) continue; // e.g. a Gateway API `Gateway`
      if (!versions.has(r.apiVersion)) {
        invalid.push({ resource: r, path: ['apiVersion'], message: `${kind} ${r.name}: unknown apiVersion ${r.apiVersion}; Istio serves ${[...versions].join(', ')}` });
        continue;
      }
      if (r.apiVersion.startsWith('security.') && kind === 'AuthorizationPolicy' && annotation(r, 'istio.io/dry-run') === 'true') {
        // Dry-run policies are evaluated and logged, never enforced: they shape no access.
        continue;
      }
      const spec = parseSpec(r, schema, invalid);
      if (spec !== undefined) out.push({ resource: r, namespace: inv.namespaceOf(r), spec });
    }
    return out;
  };
  for (const r of inv.resources) {
    if (REMOVED_GROUPS.some((g) => r.apiVersion.startsWith(g))) {
      invalid.push({ resource: r, path: ['apiVersion'], message: `${r.kind} ${r.name}: ${r.apiVersion} was removed from Istio (1.6); it has no effect` });
    }
  }
  return {
    peerAuthentications: pick('PeerAuthentication', SECURITY_VERSIONS, PeerAuthenticationSpec),
    authorizationPolicies: pick('AuthorizationPolicy', SECURITY_VERSIONS, AuthorizationPolicySpec),
    requestAuthentications: pick('RequestAuthentication', SECURITY_VERSIONS, RequestAuthenticationSpec),
    destinationRules: pick('DestinationRule', NETWORKING_VERSIONS, DestinationRuleSpec),
    sidecars: pick('Sidecar', NETWORKING_VERSIONS, SidecarSpec),
    serviceEntries: pick('ServiceEntry', NETWORKING_VERSIONS, ServiceEntrySpec),
    gateways: pick('Gateway', NETWORKING_VERSIONS, GatewaySpec),
    virtualServices: pick('VirtualService', NETWORKING_VERSIONS, VirtualServiceSpec),
    invalid,
  };
}

function sameGroup(apiVersion: string, versions: Set<string>): boolean {
  const group = apiVersion.split('/')[0];
  return [...versions].some((v) => v.split('/')[0] === group);
}

export function annotation(r: Resource, key: string): string | undefined {
  const meta = r.body.metadata;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const ann = (meta as Record<string, unknown>).annotations;
  if (typeof ann !== 'object' || ann === null) return undefined;
  const v = (ann as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}
