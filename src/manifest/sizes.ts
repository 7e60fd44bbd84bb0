import {
  ENDPOINTS,
  type EndpointDefinition,
  FAL_DEFAULT_SIZE,
  type ImageSizeValue,
  parsePixelSize,
  resolvePixelSize,
  sizeInput,
  validateEndpointInput,
} from "../endpoints/index.js";
import { didYouMean } from "./suggest.js";

/** A size as written: an enum name, `WIDTHxHEIGHT`, or `{ width, height }`. */
export function sizeValue(raw: string | { width: number; height: number }): ImageSizeValue {
  return typeof raw === "string" ? (parsePixelSize(raw) ?? raw.trim()) : raw;
}

/** What an endpoint takes as a size, for messages. */
function sizesTaken(endpoint: EndpointDefinition): string {
  const custom =
    endpoint.customSize.kind === "none"
      ? ""
      : endpoint.sizeEnum.length > 0
        ? ", or WIDTHxHEIGHT"
        : "WIDTHxHEIGHT";
  return `use one of ${endpoint.sizeEnum.join(", ")}${custom}`;
}

/**
 * Checks a size against an endpoint's schema in force: an error, a warning (v5 lite rescales),
 * or nothing. `others` are the endpoints a size name may belong to instead, for the hint.
 */
export function checkSize(
  endpoint: EndpointDefinition,
  value: ImageSizeValue,
  others: readonly EndpointDefinition[] = ENDPOINTS,
): { error?: string; warning?: string } {
  if (value === FAL_DEFAULT_SIZE && !endpoint.sizeEnum.includes(value)) return {};
  const mapped = sizeInput(endpoint, value);
  if ("error" in mapped) return { error: mapped.error };
  if (typeof value === "string" && !endpoint.sizeEnum.includes(value)) {
    const owner = others.find((e) => e.id !== endpoint.id && e.sizeEnum.includes(value));
    return owner
      ? {
          error: `\`${value}\` is a ${owner.model} size; ${endpoint.model} has no \`${value}\`: ${sizesTaken(endpoint)}`,
        }
      : {
          error: `\`${value}\` is not an ${endpoint.sizeField?.kind === "image_size" ? endpoint.sizeField.name : "size"} of ${endpoint.model}${didYouMean(value, endpoint.sizeEnum)}; ${sizesTaken(endpoint)}`,
        };
  }
  const images = endpoint.imageField;
  const fields = Object.keys(mapped.fields);
  const errors = validateEndpointInput(endpoint, {
    prompt: "x",
    [images.name]: images.list ? ["x"] : "x",
    ...mapped.fields,
  }).filter((e) => fields.includes(String(e.loc[1])));
  if (errors.length > 0) return { error: `${errors.map((e) => e.msg).join("; ")} (model ${endpoint.model})` };
  if (typeof value !== "string" && endpoint.customSize.kind === "area-rescaled") {
    const rendered = resolvePixelSize(endpoint, value);
    if (rendered && (rendered.width !== value.width || rendered.height !== value.height))
      return {
        warning: `${value.width}x${value.height} is outside ${endpoint.model}'s pixel range; fal will rescale it to about ${rendered.width}x${rendered.height}`,
      };
  }
  return {};
}
