import {
  ENDPOINTS,
  type EndpointDefinition,
  type ImageSizeValue,
  parsePixelSize,
  resolvePixelSize,
  validateEndpointInput,
} from "../endpoints/index.js";
import { didYouMean } from "./suggest.js";

/** A size as written: an enum name, `WIDTHxHEIGHT`, or `{ width, height }`. */
export function sizeValue(raw: string | { width: number; height: number }): ImageSizeValue {
  return typeof raw === "string" ? (parsePixelSize(raw) ?? raw.trim()) : raw;
}

/** Checks a size against an endpoint: an error, a warning (v5 lite rescales), or nothing. */
export function checkSize(
  endpoint: EndpointDefinition,
  value: ImageSizeValue,
): { error?: string; warning?: string } {
  if (typeof value === "string" && !endpoint.sizeEnum.includes(value)) {
    const owner = ENDPOINTS.find((e) => e.sizeEnum.includes(value));
    const known = `use one of ${endpoint.sizeEnum.join(", ")}, or WIDTHxHEIGHT`;
    return owner
      ? { error: `\`${value}\` is a ${owner.model} size; ${endpoint.model} has no \`${value}\`: ${known}` }
      : {
          error: `\`${value}\` is not an image_size of ${endpoint.model}${didYouMean(value, endpoint.sizeEnum)}; ${known}`,
        };
  }
  const errors = validateEndpointInput(endpoint, {
    prompt: "x",
    image_urls: ["x"],
    image_size: value,
  }).filter((e) => e.loc[1] === "image_size");
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
