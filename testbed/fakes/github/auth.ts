// GitHub App authentication as GitHub performs it: RS256 JWTs for /app endpoints, then
// one-hour installation tokens (`ghs_…`) for everything else.
// https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
import { createPublicKey, generateKeyPair, randomBytes, verify, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { githubErrors, GitHubHttpError } from "./errors.js";

export interface AppKeys {
  /** PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), the format GitHub hands out; Probot accepts it. */
  readonly privateKeyPem: string;
  readonly publicKey: KeyObject;
}

let sharedKeys: Promise<AppKeys> | undefined;

/** One key per process: RSA generation costs ~100 ms on a small machine, and every fake can share it. */
export function appKeys(): Promise<AppKeys> {
  sharedKeys ??= promisify(generateKeyPair)("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  }).then(({ privateKey, publicKey }) => ({ privateKeyPem: privateKey, publicKey: createPublicKey(publicKey) }));
  return sharedKeys;
}

export type Credential =
  | { readonly type: "none" }
  | { readonly type: "app" }
  | { readonly type: "installation"; readonly installationId: number; readonly token: string }
  | { readonly type: "invalid"; readonly reason: string; readonly error: GitHubHttpError };

export interface IssuedToken {
  readonly token: string;
  readonly installationId: number;
  readonly expiresAt: number;
  /** Repository ids the token was narrowed to (`repositories` / `repository_ids`), or undefined for all. */
  readonly repositoryIds: ReadonlySet<number> | undefined;
  revoked: boolean;
}

const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomToken(prefix: string): string {
  const bytes = randomBytes(36);
  let out = prefix;
  for (const byte of bytes) out += TOKEN_ALPHABET[byte % TOKEN_ALPHABET.length];
  return out;
}

function decodeSegment(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
}

export class AppAuthority {
  readonly #tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly appId: number,
    private readonly clientId: string,
    private readonly publicKey: KeyObject,
    private readonly now: () => number,
  ) {}

  issueToken(installationId: number, repositoryIds: ReadonlySet<number> | undefined): IssuedToken {
    const issued: IssuedToken = {
      token: randomToken("ghs_"),
      installationId,
      expiresAt: this.now() + 60 * 60 * 1000,
      repositoryIds,
      revoked: false,
    };
    this.#tokens.set(issued.token, issued);
    return issued;
  }

  /** Every token issued so far stops working, as if an hour had passed. */
  expireTokens(): void {
    for (const token of this.#tokens.values()) token.revoked = true;
  }

  tokenInfo(token: string): IssuedToken | undefined {
    return this.#tokens.get(token);
  }

  /** Reads `Authorization` the way GitHub does: `token X`, `Bearer X` (JWT or token) or Basic with the token as password. */
  authenticate(header: string | undefined): Credential {
    if (!header) return { type: "none" };
    const [scheme = "", ...rest] = header.trim().split(/\s+/);
    const value = rest.join(" ");
    const lower = scheme.toLowerCase();
    if (lower === "basic") {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const password = decoded.slice(decoded.indexOf(":") + 1);
      return this.#installationToken(password);
    }
    if (lower !== "token" && lower !== "bearer") {
      return { type: "invalid", reason: `unsupported scheme ${scheme}`, error: githubErrors.badCredentials() };
    }
    if (value.split(".").length === 3 && value.startsWith("eyJ")) return this.#jwt(value);
    return this.#installationToken(value);
  }

  #installationToken(token: string): Credential {
    const issued = this.#tokens.get(token);
    if (!issued) return { type: "invalid", reason: "unknown token", error: githubErrors.badCredentials() };
    if (issued.revoked || issued.expiresAt <= this.now()) {
      return { type: "invalid", reason: "expired token", error: githubErrors.badCredentials() };
    }
    return { type: "installation", installationId: issued.installationId, token };
  }

  #jwt(jwt: string): Credential {
    const invalid = (reason: string, message = "A JSON web token could not be decoded"): Credential => ({
      type: "invalid",
      reason,
      error: githubErrors.jwt(message),
    });
    const [headerPart = "", payloadPart = "", signaturePart = ""] = jwt.split(".");
    let header: unknown;
    let payload: unknown;
    try {
      header = decodeSegment(headerPart);
      payload = decodeSegment(payloadPart);
    } catch {
      return invalid("JWT is not base64url JSON");
    }
    if (typeof header !== "object" || header === null || (header as { alg?: unknown }).alg !== "RS256") {
      return invalid("JWT alg is not RS256");
    }
    const signed = verify("RSA-SHA256", Buffer.from(`${headerPart}.${payloadPart}`), this.publicKey, Buffer.from(signaturePart, "base64url"));
    if (!signed) return invalid("JWT signature does not match the app's key");
    const claims = (typeof payload === "object" && payload !== null ? payload : {}) as Record<string, unknown>;
    // GitHub accepts the app id (number or string) or the client id as issuer.
    if (String(claims["iss"]) !== String(this.appId) && claims["iss"] !== this.clientId) {
      return invalid(`JWT iss ${String(claims["iss"])} is not app ${this.appId}`);
    }
    const nowSeconds = Math.floor(this.now() / 1000);
    const { exp, iat } = claims;
    if (typeof iat !== "number" || !Number.isInteger(iat) || iat > nowSeconds + 60) {
      return invalid("JWT iat missing or in the future", "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
    }
    if (typeof exp !== "number" || exp <= nowSeconds) {
      return invalid("JWT expired", "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
    }
    if (exp > nowSeconds + 600) {
      return invalid("JWT exp more than 10 minutes ahead", "'Expiration time' claim ('exp') is too far in the future");
    }
    return { type: "app" };
  }
}
