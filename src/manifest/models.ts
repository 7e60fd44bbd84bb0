import {
  ENDPOINTS,
  type EndpointDefinition,
  modelNames,
  type ResolvedEndpoints,
} from "../endpoints/index.js";
import { unknownModel } from "./suggest.js";

/** The endpoints a manifest's model names resolved to, as the reader looks them up. */
export class ManifestModels {
  constructor(readonly resolved: ResolvedEndpoints) {}

  find(name: string): EndpointDefinition | undefined {
    return this.resolved.catalog.find(name);
  }

  /** Every endpoint known here: the manifest's, then the shipped ones (for "that is a v4.5 size" hints). */
  all(): EndpointDefinition[] {
    const mine = this.resolved.catalog.endpoints;
    return [...mine, ...ENDPOINTS.filter((e) => !mine.some((m) => m.id === e.id))];
  }

  /** `unknown model \`x\`` with why (fal's answer about an endpoint id), else a hint and the names there are. */
  unknown(name: string): string {
    const why = this.resolved.unknown.get(name);
    if (why) return `unknown model \`${name}\`: ${why}`;
    return unknownModel(name, [...new Set([...this.resolved.catalog.names(), ...modelNames()])]);
  }
}

/**
 * `seedream-v5-lite (bytedance/seedream/v5/lite/edit)`: which endpoint a message speaks of (where
 * its schema came from is said by `validate`, `plan` and the run's log).
 */
export function schemaNamed(e: EndpointDefinition): string {
  return e.model === e.id ? e.id : `${e.model} (${e.id})`;
}
