import { DIM } from './requestSpace.js';

/** A concrete request, in words a reviewer can act on. */
export function describeRequest(values: Record<string, string>, port: number | null, protocol: string): string {
  const principal = values[DIM.principal];
  const parts: string[] = [];
  if (principal === undefined) parts.push('any caller');
  // No peer identity: plaintext, from a pod without a proxy or from outside the mesh.
  else if (principal === '') parts.push('a caller outside the mesh (plaintext)');
  else parts.push(`mTLS peer ${principal}`);
  if (values[DIM.sourceIp] !== undefined) parts.push(`from ${values[DIM.sourceIp]}`);
  if (values[DIM.remoteIp] !== undefined) parts.push(`(client IP ${values[DIM.remoteIp]})`);
  const target = port === null ? 'any port' : `port ${port}`;
  if (protocol === 'http') {
    const method = values[DIM.method] || 'GET';
    const path = values[DIM.path] || '/';
    parts.push(`sending ${method} ${path}`);
    if (values[DIM.host] !== undefined) parts.push(`Host: ${values[DIM.host] || '(empty)'}`);
    const jwt = values[DIM.requestPrincipal];
    if (jwt !== undefined) parts.push(jwt === '' ? 'without a JWT' : `with JWT principal ${jwt}`);
    for (const [dim, v] of Object.entries(values)) {
      if (dim.startsWith('header:')) parts.push(v === '' ? `without header ${dim.slice(7)}` : `header ${dim.slice(7)}: ${v}`);
      if (dim.startsWith('claim:')) parts.push(`claim ${dim.slice(6)}=${JSON.stringify(v)}`);
    }
    parts.push(`to ${target}`);
  } else {
    parts.push(`opening a TCP connection to ${target}`);
  }
  if (values[DIM.sni] !== undefined) parts.push(`SNI ${values[DIM.sni] || '(none)'}`);
  return parts.join(' ');
}
