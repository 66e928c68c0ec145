// Fault injection: a short list of armed faults, consumed by matching requests in order.
import { isObject } from "./http-util"
import type { FaultKind, FaultOp, FaultSpec } from "./types"

const OPS: readonly FaultOp[] = ["refund", "capture", "void", "authorization", "payment", "status", "hpp", "any"]
const KINDS: readonly FaultKind[] = [
  "decline",
  "over_balance",
  "unauthorized",
  "server_error",
  "bad_gateway",
  "gateway_timeout",
  "server_error_after_commit",
  "timeout_before",
  "timeout_after",
  "unclear",
  "pending",
  "in_progress",
  "malformed",
]

export const DEFAULT_HOLD_MS = 120_000

interface ArmedFault {
  spec: FaultSpec
  remaining: number
}

export class FaultBook {
  private armed: ArmedFault[] = []

  add(spec: FaultSpec): void {
    const err = validateFault(spec)
    if (err) throw new Error(`Sandbox: invalid fault: ${err}`)
    this.armed.push({ spec: { ...spec }, remaining: spec.times ?? 1 })
  }

  clear(): void {
    this.armed = []
  }

  list(): FaultSpec[] {
    return this.armed.map((a) => ({ ...a.spec, times: a.remaining }))
  }

  /**
   * Consume the first fault matching this request. `transactionId` is undefined for
   * requests that carry none (authorization, payment, link generation); a fault with a
   * transactionId filter never matches those.
   */
  take(op: Exclude<FaultOp, "any">, transactionId: string | undefined): FaultSpec | undefined {
    if (this.armed.length === 0) return undefined
    const i = this.armed.findIndex(
      (a) =>
        (a.spec.op === op || a.spec.op === "any") &&
        (a.spec.transactionId === undefined || a.spec.transactionId === transactionId),
    )
    if (i < 0) return undefined
    const a = this.armed[i]
    if (--a.remaining <= 0) this.armed.splice(i, 1)
    return a.spec
  }
}

/** Returns an error message, or undefined when the spec is usable. */
export function validateFault(v: unknown): string | undefined {
  if (!isObject(v)) return "body must be an object"
  if (!OPS.includes(v.op as FaultOp)) return `op must be one of ${OPS.join(", ")}`
  if (!KINDS.includes(v.fault as FaultKind)) return `fault must be one of ${KINDS.join(", ")}`
  if (v.transactionId !== undefined && typeof v.transactionId !== "string") return "transactionId must be a string"
  for (const k of ["times", "delayMs", "settleAfterMs"] as const) {
    const n = v[k]
    if (n !== undefined && (typeof n !== "number" || !(n >= 0))) return `${k} must be a non-negative number`
  }
  if (v.times !== undefined && !((v.times as number) >= 1)) return "times must be >= 1"
  if (v.settleOutcome !== undefined && v.settleOutcome !== "succeeded" && v.settleOutcome !== "declined") {
    return "settleOutcome must be succeeded or declined"
  }
  return undefined
}
