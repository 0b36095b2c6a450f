/**
 * Validation of request and response bodies against the Runpod OpenAPI 3.1 contract
 * (`emulator/openapi-v2.json`, JSON Schema draft 2020-12) with ajv.
 *
 * The whole spec document is registered once under {@link SPEC_ID}; individual
 * schemas are compiled on first use by JSON pointer, so `$ref`s such as
 * `#/components/schemas/Pod` resolve against the document. ajv is an optional
 * peer dependency of this package and is loaded only here, lazily.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import type Ajv2020 from "ajv/dist/2020";

/** Where the spec lives, from `dist/emulator/` as well as from the published package. */
export const SPEC_PATH = path.join(__dirname, "..", "..", "emulator", "openapi-v2.json");

/** `$id` under which the spec document is registered in ajv. */
export const SPEC_ID = "https://runpod-emulator.invalid/openapi-v2.json";

/** What the server sent, for {@link SpecValidator.validateResponse}. */
export interface SentResponse {
  method: string;
  /** Path template as in the spec, e.g. `/v2/pods/{id}`; `undefined` for paths the spec lacks. */
  pathTemplate: string | undefined;
  status: number;
  /** `Content-Type` header, if any. */
  contentType: string | undefined;
  /** Parsed JSON body, or `undefined` when there was none (or it was a stream). */
  body: unknown;
  /** Response headers, lower-cased names. */
  headers: Record<string, string | undefined>;
}

/** Validates bodies against the spec; every method returns a list of readable violations (empty = valid). */
export interface SpecValidator {
  /** Validate a value against `#/components/schemas/<name>`. */
  validateSchema(schemaName: string, value: unknown): string[];
  /** Validate a request body against the operation's `application/json` request schema. */
  validateRequestBody(method: string, pathTemplate: string, body: unknown): string[];
  /**
   * Validate a sent response: the status must be declared (or covered by `default`),
   * the content type must be one the spec lists, the body must match its schema, and
   * a body-less response must have no body.
   */
  validateResponse(response: SentResponse): string[];
}

type JsonObject = Record<string, unknown>;

let cachedDocument: JsonObject | undefined;
const cachedValidators = new Map<string, Promise<SpecValidator>>();

/** The parsed spec document (read once). */
export function loadSpecDocument(specPath: string = SPEC_PATH): JsonObject {
  if (specPath === SPEC_PATH && cachedDocument) return cachedDocument;
  let text: string;
  try {
    text = fs.readFileSync(specPath, "utf8");
  } catch (error) {
    throw new Error(`Runpod emulator: cannot read the API spec at ${specPath}: ${(error as Error).message}`);
  }
  const document = JSON.parse(text) as JsonObject;
  if (specPath === SPEC_PATH) cachedDocument = document;
  return document;
}

/**
 * Load (once per spec path) a validator for the spec. Loads ajv lazily; rejects with
 * an install hint when the optional peer dependency is missing.
 */
export function loadSpecValidator(specPath: string = SPEC_PATH): Promise<SpecValidator> {
  let pending = cachedValidators.get(specPath);
  if (!pending) {
    pending = createValidator(specPath);
    pending.catch(() => cachedValidators.delete(specPath));
    cachedValidators.set(specPath, pending);
  }
  return pending;
}

async function importAjv(): Promise<typeof Ajv2020> {
  try {
    const module = await import("ajv/dist/2020");
    return module.default;
  } catch (error) {
    throw new Error(
      "The Runpod emulator needs the optional peer dependency 'ajv' (version 8): " +
        `install it with 'npm install --save-dev ajv'. (${(error as Error).message})`,
    );
  }
}

const DATE_TIME =
  /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339 date-time check used for `format: date-time`. */
export function isDateTime(value: string): boolean {
  return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

function collectFormats(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) collectFormats(item, into);
  } else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node as JsonObject)) {
      if (key === "format" && typeof value === "string") into.add(value);
      else collectFormats(value, into);
    }
  }
  return into;
}

async function createValidator(specPath: string): Promise<SpecValidator> {
  const document = loadSpecDocument(specPath);
  const AjvClass = await importAjv();
  // strict: false because the spec carries OpenAPI keywords (`example`, `x-*`, `discriminator`).
  const ajv = new AjvClass({ strict: false, allErrors: true, validateFormats: true });
  for (const format of collectFormats(document, new Set())) {
    if (format === "date-time") ajv.addFormat(format, { type: "string", validate: isDateTime });
    else ajv.addFormat(format, true); // float, double, uri, ...: informative only
  }
  ajv.addSchema(document, SPEC_ID);
  return new AjvSpecValidator(document, (pointer) => {
    const validate = ajv.getSchema(`${SPEC_ID}#${pointer}`);
    if (!validate) throw new Error(`Runpod emulator: no schema at ${pointer} in ${specPath}`);
    return validate;
  });
}

/** Encode path segments as a URI-fragment JSON pointer. */
export function jsonPointer(...segments: string[]): string {
  return segments.map((segment) => "/" + encodeURIComponent(segment.replace(/~/g, "~0").replace(/\//g, "~1"))).join("");
}

function decodePointerSegment(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** `/gpu/id` -> `$.gpu.id`, `/keys/1` -> `$.keys[1]`, odd keys -> `$['a b']`. */
export function instancePathToJsonPath(instancePath: string): string {
  if (instancePath === "") return "$";
  let result = "$";
  for (const raw of instancePath.split("/").slice(1)) {
    const segment = decodePointerSegment(raw);
    if (/^\d+$/.test(segment)) result += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) result += `.${segment}`;
    else result += `['${segment.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}']`;
  }
  return result;
}

/** Turn ajv errors into one readable line per violation, e.g. `$.gpu: missing required property 'id'`. */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  const lines: string[] = [];
  for (const error of errors ?? []) {
    const at = instancePathToJsonPath(error.instancePath);
    const params = error.params as Record<string, unknown>;
    let line: string;
    switch (error.keyword) {
      case "if":
        continue; // the failing `then` branch is reported on its own
      case "required": {
        line = `${at}: missing required property '${String(params.missingProperty)}'`;
        if (error.schemaPath.includes("/then/") && params.missingProperty === "image") {
          line += " (required unless 'templateId' is set)";
        }
        break;
      }
      case "additionalProperties":
        line = `${at}: unknown property '${String(params.additionalProperty)}'`;
        break;
      case "unevaluatedProperties":
        line = `${at}: unknown property '${String(params.unevaluatedProperty)}'`;
        break;
      case "type":
        line = `${at}: must be ${String(params.type).split(",").join(" or ")}`;
        break;
      case "enum":
        line = `${at}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
        break;
      case "pattern":
        line = `${at}: must match pattern ${String(params.pattern)}`;
        break;
      default:
        line = `${at}: ${error.message ?? error.keyword}`;
    }
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function baseMediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(";")[0]?.trim().toLowerCase();
}

class AjvSpecValidator implements SpecValidator {
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(
    private readonly document: JsonObject,
    private readonly compile: (pointer: string) => ValidateFunction,
  ) {}

  validateSchema(schemaName: string, value: unknown): string[] {
    const schemas = (this.document.components as JsonObject | undefined)?.schemas;
    if (!isObject(schemas) || !(schemaName in schemas)) return [`spec has no schema '${schemaName}'`];
    return this.run(jsonPointer("components", "schemas", schemaName), value);
  }

  validateRequestBody(method: string, pathTemplate: string, body: unknown): string[] {
    const operation = this.operation(method, pathTemplate);
    if (!operation) return [`spec has no operation ${method.toUpperCase()} ${pathTemplate}`];
    const content = (operation.requestBody as JsonObject | undefined)?.content;
    if (!isObject(content) || !isObject(content["application/json"])) return [];
    const pointer = jsonPointer("paths", pathTemplate, method.toLowerCase(), "requestBody", "content", "application/json", "schema");
    return this.run(pointer, body);
  }

  validateResponse(response: SentResponse): string[] {
    const label = `${response.method.toUpperCase()} ${response.pathTemplate ?? "(unknown path)"} -> ${response.status}`;
    const resolved = this.responseObject(response);
    if (typeof resolved === "string") return [`${label}: ${resolved}`];
    const { object, pointer } = resolved;
    const violations: string[] = [];
    const content = object.content;
    const mediaType = baseMediaType(response.contentType);
    if (isObject(content)) {
      const declared = Object.keys(content);
      if (!mediaType || !declared.includes(mediaType)) {
        violations.push(`${label}: content type ${mediaType ?? "(none)"} not declared (expected ${declared.join(" or ")})`);
      } else if (response.body !== undefined) {
        const schemaPointer = `${pointer}${jsonPointer("content", mediaType, "schema")}`;
        for (const line of this.run(schemaPointer, response.body)) violations.push(`${label}: ${line}`);
      }
    } else if (response.body !== undefined) {
      violations.push(`${label}: the spec declares no body for this response, but one was sent`);
    }
    if (response.status === 429 && !/^\d+$/.test(response.headers["retry-after"] ?? "")) {
      violations.push(`${label}: Retry-After must be an integer number of seconds`);
    }
    if (response.status === 405 && !response.headers["allow"]) {
      violations.push(`${label}: a 405 must carry an Allow header`);
    }
    return violations;
  }

  /** Find the response object for the status, following `$ref`s, with its JSON pointer. */
  private responseObject(response: SentResponse): { object: JsonObject; pointer: string } | string {
    let pointer: string;
    let object: unknown;
    const operation = response.pathTemplate ? this.operation(response.method, response.pathTemplate) : undefined;
    if (operation && response.pathTemplate) {
      const responses = operation.responses as JsonObject;
      const key = String(response.status) in responses ? String(response.status) : "default";
      if (!(key in responses)) return `status ${response.status} is not declared and there is no default`;
      pointer = jsonPointer("paths", response.pathTemplate, response.method.toLowerCase(), "responses", key);
      object = responses[key];
    } else {
      // Paths or methods the spec lacks: the generic 404/405 responses.
      const name = response.status === 405 ? "MethodNotAllowedError" : response.status === 404 ? "NotFoundError" : undefined;
      if (!name) return "no operation in the spec for this request";
      pointer = jsonPointer("components", "responses", name);
      object = (this.document.components as JsonObject).responses;
      object = (object as JsonObject)[name];
    }
    for (let hops = 0; isObject(object) && typeof object.$ref === "string"; hops++) {
      if (hops > 10) return "too many $ref hops";
      const ref = object.$ref;
      if (!ref.startsWith("#/")) return `unsupported $ref ${ref}`;
      pointer = ref.slice(1);
      object = this.resolvePointer(pointer);
    }
    if (!isObject(object)) return `cannot resolve response object at ${pointer}`;
    return { object, pointer };
  }

  private resolvePointer(pointer: string): unknown {
    let node: unknown = this.document;
    for (const raw of pointer.split("/").slice(1)) {
      if (!isObject(node)) return undefined;
      node = node[decodePointerSegment(decodeURIComponent(raw))];
    }
    return node;
  }

  private operation(method: string, pathTemplate: string): JsonObject | undefined {
    const paths = this.document.paths as JsonObject;
    const item = paths[pathTemplate];
    if (!isObject(item)) return undefined;
    const operation = item[method.toLowerCase()];
    return isObject(operation) ? operation : undefined;
  }

  private run(pointer: string, value: unknown): string[] {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.compile(pointer);
      this.compiled.set(pointer, validate);
    }
    return validate(value) ? [] : formatAjvErrors(validate.errors);
  }
}
