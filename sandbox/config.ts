// Switches for the gateway's unknowns (types.ts SandboxConfig): defaults and validation.
import { isObject } from "./http-util"
import type { SandboxConfig } from "./types"

export const DEFAULT_SANDBOX_CONFIG: Readonly<SandboxConfig> = Object.freeze({
  hppTransactionId: "link",
  threeDsBodyHasTransactionId: true,
  webhookDuplicates: 0,
  webhookDelayMs: 0,
  refundWebhooks: true,
  captureWebhooks: true,
  voidWebhooks: true,
})

const MAX_DUPLICATES = 100
const MAX_DELAY_MS = 600_000

const CHECKS: { [K in keyof SandboxConfig]: (v: unknown) => string | undefined } = {
  hppTransactionId: (v) => (v === "link" || v === "new" ? undefined : 'hppTransactionId must be "link" or "new"'),
  threeDsBodyHasTransactionId: (v) => (typeof v === "boolean" ? undefined : "threeDsBodyHasTransactionId must be a boolean"),
  webhookDuplicates: (v) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_DUPLICATES
      ? undefined
      : `webhookDuplicates must be an integer from 0 to ${MAX_DUPLICATES}`,
  refundWebhooks: (v) => (typeof v === "boolean" ? undefined : "refundWebhooks must be a boolean"),
  captureWebhooks: (v) => (typeof v === "boolean" ? undefined : "captureWebhooks must be a boolean"),
  voidWebhooks: (v) => (typeof v === "boolean" ? undefined : "voidWebhooks must be a boolean"),
  webhookDelayMs: (v) =>
    typeof v === "number" && v >= 0 && v <= MAX_DELAY_MS ? undefined : `webhookDelayMs must be a number from 0 to ${MAX_DELAY_MS}`,
}

const isKey = (k: string): k is keyof SandboxConfig => Object.prototype.hasOwnProperty.call(CHECKS, k)

/** Error message for a partial config, or undefined when every given field is valid. Undefined values are ignored. */
export function validateConfig(v: unknown): string | undefined {
  if (!isObject(v)) return "config must be an object"
  for (const [k, val] of Object.entries(v)) {
    if (!isKey(k)) return `unknown config field ${k} (known: ${Object.keys(CHECKS).join(", ")})`
    if (val === undefined) continue
    const err = CHECKS[k](val)
    if (err) return err
  }
  return undefined
}

/** Validated copy of the known, defined fields of a partial config. Throws on invalid values. */
export function pickConfig(v: Partial<SandboxConfig>): Partial<SandboxConfig> {
  const err = validateConfig(v)
  if (err) throw new Error(`Sandbox: invalid config: ${err}`)
  const out: Partial<SandboxConfig> = {}
  for (const k of Object.keys(CHECKS) as (keyof SandboxConfig)[]) {
    if (v[k] !== undefined) Object.assign(out, { [k]: v[k] })
  }
  return out
}
