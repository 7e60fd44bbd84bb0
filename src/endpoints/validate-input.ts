import type { EndpointDefinition, FalFieldError, InputKind } from "./types.js";

function err(field: string | (string | number)[], msg: string, type: string): FalFieldError {
  return { loc: ["body", ...(Array.isArray(field) ? field : [field])], msg, type };
}

function isInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

function checkRange(
  field: string,
  value: number,
  range: { readonly min?: number | undefined; readonly max?: number | undefined },
): FalFieldError[] {
  if (range.min !== undefined && value < range.min)
    return [
      err(field, `ensure this value is greater than or equal to ${range.min}`, "value_error.number.not_ge"),
    ];
  if (range.max !== undefined && value > range.max)
    return [
      err(field, `ensure this value is less than or equal to ${range.max}`, "value_error.number.not_le"),
    ];
  return [];
}

function checkKind(
  endpoint: EndpointDefinition,
  field: string,
  kind: InputKind,
  v: unknown,
): FalFieldError[] {
  switch (kind.type) {
    case "string":
      return typeof v === "string" ? [] : [err(field, "str type expected", "type_error.str")];
    case "integer":
      if (!isInteger(v)) return [err(field, "value is not a valid integer", "type_error.integer")];
      return checkRange(field, v, kind);
    case "number":
      if (typeof v !== "number" || !Number.isFinite(v))
        return [err(field, "value is not a valid number", "type_error.number")];
      return checkRange(field, v, kind);
    case "image_url":
      return typeof v === "string" ? [] : [err(field, "str type expected", "type_error.str")];
    case "any":
      return [];
    case "boolean":
      return typeof v === "boolean"
        ? []
        : [err(field, "value could not be parsed to a boolean", "type_error.bool")];
    case "enum":
      return typeof v === "string" && kind.values.includes(v)
        ? []
        : [
            err(
              field,
              `value is not a valid enumeration member; permitted: ${kind.values.map((x) => `'${x}'`).join(", ")}`,
              "type_error.enum",
            ),
          ];
    case "image_urls":
      if (!Array.isArray(v)) return [err(field, "value is not a valid list", "type_error.list")];
      return v.flatMap((u, i) =>
        typeof u === "string" ? [] : [err([field, i], "str type expected", "type_error.str")],
      );
    case "image_size":
      return checkImageSize(endpoint, field, v);
  }
}

function checkImageSize(endpoint: EndpointDefinition, field: string, v: unknown): FalFieldError[] {
  // The enum and custom rules are the size field's, whatever its name.
  if (typeof v === "string") {
    return endpoint.sizeEnum.includes(v)
      ? []
      : [
          err(
            field,
            `value is not a valid enumeration member; permitted: ${endpoint.sizeEnum.map((x) => `'${x}'`).join(", ")}`,
            "type_error.enum",
          ),
        ];
  }
  if (typeof v !== "object" || v === null)
    return [err(field, "value is not a valid dict", "type_error.dict")];
  const { width, height } = v as { width?: unknown; height?: unknown };
  const bad: FalFieldError[] = [];
  if (!isInteger(width) || width < 1)
    bad.push(err([field, "width"], "value is not a valid positive integer", "type_error.integer"));
  if (!isInteger(height) || height < 1)
    bad.push(err([field, "height"], "value is not a valid positive integer", "type_error.integer"));
  if (bad.length > 0 || !isInteger(width) || !isInteger(height)) return bad;
  const rule = endpoint.customSize;
  if (rule.kind === "none")
    return [
      err(
        field,
        `${endpoint.model} takes no custom size; permitted: ${endpoint.sizeEnum.join(", ")}`,
        "type_error.enum",
      ),
    ];
  if (rule.kind === "sides" && [width, height].some((s) => s < rule.minSide || s > rule.maxSide))
    return [
      err(
        field,
        `width and height must be between ${rule.minSide} and ${rule.maxSide}; got ${width}x${height}`,
        "value_error",
      ),
    ];
  if (rule.kind === "sides-or-area") {
    const sidesOk = [width, height].every((s) => s >= rule.minSide && s <= rule.maxSide);
    const area = width * height;
    const areaOk = area >= rule.minArea && area <= rule.maxArea;
    if (!sidesOk && !areaOk)
      return [
        err(
          field,
          `width and height must be between ${rule.minSide} and ${rule.maxSide}, or total pixels between ${rule.minArea} and ${rule.maxArea}; got ${width}x${height}`,
          "value_error",
        ),
      ];
  }
  return [];
}

/**
 * Validates an input object the way the endpoint's server does, returning fal's 422
 * `detail[]` entries (empty when valid). Unknown keys are ignored, as fal ignores them.
 */
export function validateEndpointInput(endpoint: EndpointDefinition, input: unknown): FalFieldError[] {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    return [{ loc: ["body"], msg: "value is not a valid dict", type: "type_error.dict" }];
  const body = input as Record<string, unknown>;
  const errors: FalFieldError[] = [];
  for (const [field, kind] of Object.entries(endpoint.inputs)) {
    const v = body[field];
    if (v === undefined || v === null) {
      if (kind.required) errors.push(err(field, "field required", "value_error.missing"));
      continue;
    }
    errors.push(...checkKind(endpoint, field, kind, v));
  }
  if (endpoint.maxTotalImages !== undefined) {
    const inputs = Array.isArray(body.image_urls) ? body.image_urls.length : 0;
    const perGeneration = isInteger(body.max_images) ? body.max_images : 1;
    const generations = isInteger(body.num_images) ? body.num_images : 1;
    const total = Math.min(inputs, endpoint.maxInputImages) + perGeneration * generations;
    if (total > endpoint.maxTotalImages)
      errors.push(
        err(
          "max_images",
          `the total number of images (image inputs + image outputs) must not exceed ${endpoint.maxTotalImages}; got ${total}`,
          "value_error",
        ),
      );
  }
  return errors;
}
