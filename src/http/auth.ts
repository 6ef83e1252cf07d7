/**
 * `/v1` caller authentication: `Authorization: Bearer <key>` against every `PROXY_API_KEYS` entry. Several keys may
 * be live so they can rotate. Each comparison is constant-time over SHA-256 digests (neither the key nor its length
 * leaks through timing), and every configured key is compared, with no early exit.
 */
import { secretsEqual, sha256, toHex } from "../core/crypto";
import { proxyError, type ProxyError } from "../core/errors";
import { err, ok, type Result } from "../core/result";

export async function authenticateApiKey(
  authorization: string | null,
  keys: readonly string[],
): Promise<Result<null, ProxyError>> {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match?.[1]) return err(proxyError("api_key_missing"));
  const provided = match[1];
  let matched = false;
  for (const key of keys) {
    if (await secretsEqual(provided, key)) matched = true;
  }
  return matched ? ok(null) : err(proxyError("api_key_invalid"));
}

/** Who asked, for the audit trail: the first 16 hex characters of SHA-256 over the presented key, never the key. */
export async function apiKeyFingerprint(authorization: string | null): Promise<string> {
  const key = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? "";
  return toHex(await sha256(`checkpost-api-key:v1:${key}`)).slice(0, 16);
}
