import type { Inventory } from '../../inventory/inventory.js';
import type { FieldPath, Resource } from '../../manifests/resource.js';
import type { InvalidResource } from '../../policy/meshSide.js';
import { parseSpec } from '../invalidResource.js';
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
/**
 * API groups Istio 1.6 removed: rbac.istio.io (ServiceRole, ServiceRoleBinding,
 * RbacConfig, ClusterRbacConfig) and authentication.istio.io/v1alpha1 (Policy,
 * MeshPolicy), replaced by security.istio.io's AuthorizationPolicy and
 * PeerAuthentication (https://istio.io/latest/news/releases/1.6.x/announcing-1.6/upgrade-notes/).
 * istiod no longer watches them: such an object protects nothing.
 */
const REMOVED_GROUPS = ['authentication.istio.io/', 'rbac.istio.io/'];

/** An object of a kind Istio removed (see REMOVED_GROUPS). */
export const isRemovedIstioKind = (r: Pick<Resource, 'apiVersion'>): boolean => REMOVED_GROUPS.some((g) => r.apiVersion.startsWith(g));

/** Validates every Istio object once; invalid ones are set aside as absent. */
export function collectIstioResources(inv: Inventory): IstioResources {
  const invalid: InvalidResource[] = [];
  const pick = <S extends import('zod').ZodType>(kind: string, versions: Set<string>, schema: S): Typed<import('zod').infer<S>>[] => {
    const out: Typed<import('zod').infer<S>>[] = [];
    for (const r of inv.byKind.get(kind) ?? []) {
      if (!sameGroup(r.apiVersion, versions)) continue; // e.g. a Gateway API `Gateway`
      if (!versions.has(r.apiVersion)) {
        invalid.push({
          resource: r,
          path: ['apiVersion'],
          message: `${kind} ${r.name}: unknown apiVersion ${r.apiVersion}; Istio serves ${[...versions].join(', ')}`,
        });
        continue;
      }
      const rejected = metadataProblem(r);
      if (rejected) {
        invalid.push({ resource: r, path: rejected.path, message: `${kind} ${r.name}: ${rejected.message}; the mesh will not apply it` });
        continue;
      }
      const spec = parseSpec(r, schema, invalid);
      // Dry-run policies are evaluated and logged, never enforced: they shape no access.
      if (spec !== undefined && !isDryRun(r)) out.push({ resource: r, namespace: inv.namespaceOf(r), spec });
    }
    return out;
  };
  for (const r of inv.resources) {
    if (isRemovedIstioKind(r)) {
      invalid.push({
        resource: r,
        path: ['apiVersion'],
        message: `${r.kind} ${r.name}: ${r.apiVersion} was removed from Istio (1.6); Istio ignores it, so the protection it describes does not exist`,
      });
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

export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

/** Go's `strconv.ParseBool`: the only spellings Istio reads as a boolean. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/**
 * Whether an AuthorizationPolicy is only logged, never enforced: `isDryRun` in
 * pilot/pkg/security/authz/builder/builder.go reads `istio.io/dry-run` with `strconv.ParseBool`
 * ("True", "1", "t" … count; a value it cannot parse leaves the policy enforced, but the webhook
 * rejects such a policy first, see metadataProblem).
 */
export function isDryRun(r: Resource): boolean {
  if (r.kind !== 'AuthorizationPolicy') return false;
  const v = annotation(r, DRY_RUN_ANNOTATION);
  return v !== undefined && parseGoBool(v) === true;
}

/** Internal annotations validateMetadata (pkg/config/validation/validation.go) refuses on any Istio object. */
const INTERNAL_ANNOTATIONS = ['internal.istio.io/webhook-always-reject', 'internal.istio.io/parent-namespace', 'internal.istio.io/parents'];

/**
 * validateMetadata, which Istio's webhook runs before every kind's own validation:
 * checkDryRunAnnotation (`istio.io/dry-run` only on an ALLOW or DENY AuthorizationPolicy, and only
 * with a value strconv.ParseBool accepts) and the internal annotations users may not set.
 */
function metadataProblem(r: Resource): { path: FieldPath; message: string } | undefined {
  const meta = r.body.metadata;
  const ann = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>).annotations : undefined;
  if (typeof ann !== 'object' || ann === null) return undefined;
  const annotations = ann as Record<string, unknown>;
  const path = (key: string): FieldPath => ['metadata', 'annotations', key];
  if (DRY_RUN_ANNOTATION in annotations) {
    const value = annotations[DRY_RUN_ANNOTATION];
    if (r.kind !== 'AuthorizationPolicy') {
      return { path: path(DRY_RUN_ANNOTATION), message: `unsupported annotation ${DRY_RUN_ANNOTATION} (only AuthorizationPolicy supports it)` };
    }
    if (typeof value !== 'string') {
      // Annotation values are strings: the API server refuses `true` unquoted before Istio sees it.
      return { path: path(DRY_RUN_ANNOTATION), message: `annotation ${DRY_RUN_ANNOTATION} must be a string (quote it: "${String(value)}")` };
    }
    const spec = r.body.spec;
    const action = typeof spec === 'object' && spec !== null ? ((spec as Record<string, unknown>).action ?? 'ALLOW') : 'ALLOW';
    if (action !== 'ALLOW' && action !== 'DENY') {
      return {
        path: path(DRY_RUN_ANNOTATION),
        message: `the annotation ${DRY_RUN_ANNOTATION} currently only supports action ALLOW/DENY, found action ${typeof action === 'string' ? action : JSON.stringify(action)}`,
      };
    }
    if (parseGoBool(value) === undefined) {
      return {
        path: path(DRY_RUN_ANNOTATION),
        message: `annotation ${DRY_RUN_ANNOTATION} has invalid value "${value}" (strconv.ParseBool accepts 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False)`,
      };
    }
  }
  for (const key of INTERNAL_ANNOTATIONS) {
    if (key in annotations) return { path: path(key), message: `annotation ${key} may not be set by users` };
  }
  return undefined;
}
