/**
 * Container image references, checked against the grammar Docker and every OCI registry client use
 * (github.com/distribution/reference):
 *
 *   reference := name [":" tag] ["@" digest]
 *   name      := [host[":" port] "/"] component ("/" component)*     at most 255 characters
 *   component := [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*      lowercase only
 *   tag       := [\w][\w.-]{0,127}
 *   digest    := algorithm ":" hex                                     sha256: 64 hex digits, sha512: 128
 *
 * The first component is a registry host when it holds a "." or a ":" or is "localhost" (Docker's rule); a
 * first component with capitals and no "." is a mistyped Docker Hub name (Docker would take it for a host
 * named like that and never find the image), so it is refused as not lowercase.
 *
 * A bad reference is otherwise only found when the pod tries to pull it: the pod sits in a pull loop and
 * `pulumi up` waits out its readiness deadline. Refusing it at preview saves that wait.
 */

const COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT_RE = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST_RE = /^\[[a-fA-F0-9:]+\]$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** Longest repository name (host and path) Docker accepts. */
export const MAX_IMAGE_NAME_LENGTH = 255;

const EXAMPLE = '"runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404"';

function quoted(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 97)}...` : value);
}

function hostProblem(host: string, label: string): string | undefined {
  const colon = host.startsWith("[") ? host.indexOf(":", host.indexOf("]")) : host.indexOf(":");
  const hostname = colon === -1 ? host : host.slice(0, colon);
  const port = colon === -1 ? undefined : host.slice(colon + 1);
  const hostOk = IPV6_HOST_RE.test(hostname) || hostname.split(".").every((c) => DOMAIN_COMPONENT_RE.test(c));
  if (!hostOk)
    return (
      `${label} names the registry host ${quoted(hostname)}, which is not a valid host name. Write it like ` +
      `"ghcr.io" or "registry.example.com:5000".`
    );
  if (port !== undefined && !/^[0-9]+$/.test(port)) {
    return `${label} gives the registry port ${quoted(port)}; a port is digits only, as in "registry.example.com:5000".`;
  }
  return undefined;
}

function componentProblem(component: string, label: string): string | undefined {
  if (COMPONENT_RE.test(component)) return undefined;
  if (component === "") return `${label} has an empty path part ("//" or a "/" at an end); remove the extra "/".`;
  if (COMPONENT_RE.test(component.toLowerCase())) {
    return (
      `${label} has capital letters in ${quoted(component)}; repository names are lowercase. Write ` +
      `${quoted(component.toLowerCase())}.`
    );
  }
  return (
    `${label} has the path part ${quoted(component)}, which is not a valid repository name: use lowercase letters and ` +
    'digits, separated by single ".", "_", "__" or dashes, starting and ending with a letter or digit.'
  );
}

function digestProblem(digest: string, label: string): string | undefined {
  const [algorithm, hex] = digest.split(":");
  const expected = DIGEST_HEX_LENGTH[algorithm];
  if (DIGEST_RE.test(digest) && (expected === undefined || (hex.length === expected && /^[a-f0-9]+$/.test(hex))))
    return undefined;
  return (
    `${label} has the digest ${quoted(digest)}, which is not a valid content digest. Write "@sha256:" followed by ` +
    "the 64 lowercase hex digits the registry shows, or leave the digest out."
  );
}

/**
 * Why `image` is not a valid image reference, as a sentence that starts with `label` (the input's name), or
 * undefined when it is valid.
 */
export function imageReferenceProblem(image: string, label = "image"): string | undefined {
  const named = `${label} ${quoted(image)}`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(image)) {
    return (
      `${named} starts with a URL scheme; an image reference has none. Write it like ${EXAMPLE} or ` +
      `"ghcr.io/org/image:tag".`
    );
  }
  if (/\s/.test(image)) {
    return (
      `${named} contains white space; give only the image reference (without "docker pull" or quotes), e.g. ` +
      `${EXAMPLE}.`
    );
  }
  if (/\p{Cc}/u.test(image))
    return `${label} contains a control character; give only the image reference, e.g. ${EXAMPLE}.`;
  const at = image.indexOf("@");
  const beforeDigest = at === -1 ? image : image.slice(0, at);
  if (at !== -1) {
    const problem = digestProblem(image.slice(at + 1), named);
    if (problem) return problem;
  }
  const lastSlash = beforeDigest.lastIndexOf("/");
  const lastColon = beforeDigest.lastIndexOf(":");
  const name = lastColon > lastSlash ? beforeDigest.slice(0, lastColon) : beforeDigest;
  if (lastColon > lastSlash) {
    const tag = beforeDigest.slice(lastColon + 1);
    if (!TAG_RE.test(tag)) {
      return (
        `${named} has the tag ${quoted(tag)}, which is not a valid tag: a tag is 1 to 128 letters, digits, "_", "." ` +
        'or "-", not starting with "." or "-" (e.g. "1.0.2" or "latest").'
      );
    }
  }
  if (name === "") return `${named} has no repository name before its tag or digest; write it like ${EXAMPLE}.`;
  if (name.length > MAX_IMAGE_NAME_LENGTH) {
    return `${label} has a repository name of ${name.length} characters; Docker allows at most ${MAX_IMAGE_NAME_LENGTH}.`;
  }
  const components = name.split("/");
  const first = components[0];
  if (components.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    const problem = hostProblem(first, named);
    if (problem) return problem;
    components.shift();
  }
  for (const component of components) {
    const problem = componentProblem(component, named);
    if (problem) return problem;
  }
  return undefined;
}
