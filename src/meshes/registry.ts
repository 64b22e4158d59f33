import { istio } from './istio/index.js';
import type { MeshAdapter } from '../policy/meshSide.js';
import { networkPolicy } from './networkpolicy/index.js';

/** Every mesh the engine knows; a new mesh is one folder and one line here. */
export const MESHES: readonly MeshAdapter[] = [istio, networkPolicy];
