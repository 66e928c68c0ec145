// Shared wiring passed to every handler, plus the operation result type.
import type { Failure } from "./envelope"
import type { FaultBook } from "./faults"
import type { Holds } from "./holds"
import type { SandboxState, TxnRecord } from "./state"
import type { SandboxConfig, SandboxCredentials, SettleOutcome } from "./types"
import type { WebhookSender } from "./webhooks"

export interface GatewayCtx {
  state: SandboxState
  faults: FaultBook
  webhooks: WebhookSender
  holds: Holds
  credentials: SandboxCredentials
  /** Live switches; mutated in place by configure / POST /__sandbox/config. */
  config: SandboxConfig
  baseUrl(): string
  /** state.settle + webhook of the final outcome (completes an open 3-D Secure challenge). */
  settle(id: string, outcome: SettleOutcome): void
}

/**
 * How an operation should commit: normally, as a forced card decline (decline fault on
 * authorization/payment/HPP), or as a pending transaction (unclear/pending/in_progress faults).
 */
export type Mode = "normal" | "decline" | "unclear" | "pending" | "in_progress"

export type OpResult =
  | { ok: false; failure: Failure }
  | { ok: true; status: number; body: unknown; txn?: TxnRecord; redirect?: string }

export const fail = (failure: Failure): OpResult => ({ ok: false, failure })
